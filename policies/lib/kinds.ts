/**
 * Type strings the packs match on, and recognisers for Istio custom resources and the Helm releases
 * of the Istio charts (istiod, gateway). Resources are matched by type string (never by SDK class), so
 * the packs need no cloud SDK at policy time.
 */
import { asRecord, asString, get, isKind, Props } from "./values";

export const T = {
    helmRelease: "kubernetes:helm.sh/v3:Release",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    service: "kubernetes:core/v1:Service",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    eksCluster: "aws:eks/cluster:Cluster",
    eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    kmsKey: "aws:kms/key:Key",
    natGateway: "aws:ec2/natGateway:NatGateway",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    ebsVolume: "aws:ebs/volume:Volume",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    s3Bucket: "aws:s3/bucket:Bucket",
    s3BucketV2: "aws:s3/bucketV2:BucketV2",
    s3Versioning: "aws:s3/bucketVersioning:BucketVersioning",
    s3Encryption:
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    s3PublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    s3Lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    s3Replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    s3BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    eip: "aws:ec2/eip:Eip",
    gcpAddress: "gcp:compute/address:Address",
    awsProvider: "pulumi:providers:aws",
    gcpProvider: "pulumi:providers:gcp",
    gkeCluster: "gcp:container/cluster:Cluster",
    gkeNodePool: "gcp:container/nodePool:NodePool",
    gcsBucket: "gcp:storage/bucket:Bucket",
    gcpKmsKey: "gcp:kms/cryptoKey:CryptoKey",
    gcpRouterNat: "gcp:compute/routerNat:RouterNat",
    gcpForwardingRule: "gcp:compute/forwardingRule:ForwardingRule",
    gcpDisk: "gcp:compute/disk:Disk",
} as const;

export const ISTIO_SECURITY = "security.istio.io";
export const ISTIO_NETWORKING = "networking.istio.io";
export const ISTIO_TELEMETRY = "telemetry.istio.io";

export const isPeerAuthentication = (type: string) =>
    isKind(type, ISTIO_SECURITY, "PeerAuthentication");
export const isAuthorizationPolicy = (type: string) =>
    isKind(type, ISTIO_SECURITY, "AuthorizationPolicy");
export const isRequestAuthentication = (type: string) =>
    isKind(type, ISTIO_SECURITY, "RequestAuthentication");
export const isIstioGateway = (type: string) => isKind(type, ISTIO_NETWORKING, "Gateway");
export const isVirtualService = (type: string) => isKind(type, ISTIO_NETWORKING, "VirtualService");
export const isTelemetry = (type: string) => isKind(type, ISTIO_TELEMETRY, "Telemetry");

/** metadata.name / metadata.namespace of a Kubernetes object's inputs (undefined when not set). */
export function metaName(props: Props): string | undefined {
    return asString(get(props, "metadata.name"));
}
export function metaNamespace(props: Props): string | undefined {
    return asString(get(props, "metadata.namespace"));
}

/** The chart's bare name: `istiod`, `oci://ghcr.io/x/y/gateway` -> `gateway`, `istio/base` -> `base`. */
export function chartName(props: Props): string {
    const chart = asString(props.chart) ?? "";
    return chart.split("/").pop() ?? chart;
}

export function releaseValues(props: Props): Props {
    return asRecord(props.values);
}

/** Helm release name (the `name` input) or the logical name. */
export function releaseName(r: { props: Props; name: string }): string {
    return asString(r.props.name) ?? r.name;
}

export function isRelease(r: { type: string }): boolean {
    return r.type === T.helmRelease;
}

export function isIstiodRelease(r: { type: string; props: Props }): boolean {
    return isRelease(r) && chartName(r.props) === "istiod";
}

export function isGatewayRelease(r: { type: string; props: Props }): boolean {
    return isRelease(r) && chartName(r.props) === "gateway";
}

/**
 * An istiod chart value. Since Istio 1.24 the chart's values are top-level (`resources`, `cpu`,
 * `memory`, `traceSampling`, `autoscaleEnabled`); older charts nested them under `pilot.`, which the
 * chart still accepts, so both are read (top-level wins).
 */
export function istiodValue(values: Props, key: string): unknown {
    return get(values, key) ?? get(values, `pilot.${key}`);
}

/** An east-west gateway: the gateway chart with `networkGateway` set, or labelled `istio: eastwestgateway`. */
export function isEastWestGateway(r: { type: string; props: Props; name: string }): boolean {
    if (!isGatewayRelease(r)) return false;
    const values = releaseValues(r.props);
    if (asString(values.networkGateway)) return true;
    if (asString(get(values, "labels.istio")) === "eastwestgateway") return true;
    return /east-?west/i.test(releaseName(r));
}

export function isIngressGateway(r: { type: string; props: Props; name: string }): boolean {
    return isGatewayRelease(r) && !isEastWestGateway(r);
}

/** Labels the gateway chart puts on its pods: `app: <release>`, `istio: <release without istio->`, plus values.labels. */
export function gatewayPodLabels(r: { props: Props; name: string }): Record<string, string> {
    const name = releaseName(r);
    const labels: Record<string, string> = { app: name, istio: name.replace(/^istio-/, "") };
    for (const [k, v] of Object.entries(asRecord(releaseValues(r.props).labels)))
        if (typeof v === "string") labels[k] = v;
    return labels;
}
