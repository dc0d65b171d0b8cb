/**
 * Mocks for running the real program offline. `newResource` returns the inputs plus realistic,
 * deterministic outputs per resource type (ids, ARNs, endpoints, kubeconfig material, load balancer
 * hostnames); `call` answers the invokes the program makes and throws on any other, so a new invoke
 * is noticed instead of silently returning nothing.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "111122223333";
export const MOCK_GCP_PROJECT_NUMBER = "123456789012";

/** Deterministic hex of `n` characters from the given parts. */
export function hex(n: number, ...parts: string[]): string {
    return crypto.createHash("sha256").update(parts.join("|")).digest("hex").slice(0, n);
}

/** A syntactically valid (not cryptographically valid) PEM block, deterministic per seed. */
export function fakePem(label: string, seed: string): string {
    const body = crypto.createHash("sha512").update(seed).digest("base64").repeat(3);
    const lines = body.match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export interface MockContext {
    /**
     * Cloud region of the provider a resource or invoke uses: the provider's `region` input, or for a
     * Kubernetes provider the `--region` of its EKS kubeconfig ("" when unknown, e.g. GKE).
     */
    readonly region: string;
    /** Cloud behind the provider: a Kubernetes provider's kubeconfig tells EKS from GKE. */
    readonly cloud?: "aws" | "gcp";
    /** Auto-generated physical name the engine would give (`<logical>-<7 hex>`). */
    readonly autoName: string;
    /** Deterministic id. */
    readonly id: string;
}

type OutputFn = (
    args: pulumi.runtime.MockResourceArgs,
    ctx: MockContext,
) => Record<string, unknown>;
type CallFn = (
    args: pulumi.runtime.MockCallArgs,
    ctx: { region: string },
) => Record<string, unknown>;

const awsArn = (service: string, ctx: MockContext, resource: string, global = false) =>
    `arn:aws:${service}:${global ? "" : ctx.region}:${MOCK_ACCOUNT_ID}:${resource}`;

/**
 * Outputs per resource type, merged over the inputs. Add one entry per type that needs realistic
 * outputs; physical names default to auto-naming for every cloud resource with a `name` property.
 */
export const RESOURCE_OUTPUTS: Record<string, OutputFn> = {
    "aws:iam/role:Role": (a, c) => ({
        arn: awsArn("iam", c, `role/${a.inputs.name ?? c.autoName}`, true),
        uniqueId: `AROA${hex(17, c.id).toUpperCase()}`,
    }),
    "aws:iam/policy:Policy": (a, c) => ({
        arn: awsArn("iam", c, `policy/${a.inputs.name ?? c.autoName}`, true),
    }),
    "aws:kms/key:Key": (_a, c) => ({ arn: awsArn("kms", c, `key/${c.id}`), keyId: c.id }),
    "aws:kms/alias:Alias": (a, c) => ({
        arn: awsArn("kms", c, String(a.inputs.name ?? `alias/${c.autoName}`)),
    }),
    "aws:s3/bucket:Bucket": (a, c) => {
        const bucket = String(a.inputs.bucket ?? c.autoName);
        return {
            bucket,
            arn: `arn:aws:s3:::${bucket}`,
            region: c.region,
            bucketDomainName: `${bucket}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${bucket}.s3.${c.region}.amazonaws.com`,
        };
    },
    "aws:ec2/vpc:Vpc": (_a, c) => ({
        arn: awsArn("ec2", c, `vpc/${c.id}`),
        defaultRouteTableId: `rtb-${hex(17, c.id, "rt")}`,
        defaultSecurityGroupId: `sg-${hex(17, c.id, "sg")}`,
        mainRouteTableId: `rtb-${hex(17, c.id, "main")}`,
    }),
    "aws:ec2/subnet:Subnet": (_a, c) => ({ arn: awsArn("ec2", c, `subnet/${c.id}`) }),
    "aws:ec2/natGateway:NatGateway": () => ({ publicIp: "203.0.113.10" }),
    "aws:ec2/eip:Eip": (_a, c) => ({
        publicIp: `203.0.113.${(parseInt(hex(2, c.id), 16) % 250) + 1}`,
        allocationId: `eipalloc-${hex(17, c.id)}`,
    }),
    "aws:ec2/securityGroup:SecurityGroup": (_a, c) => ({
        arn: awsArn("ec2", c, `security-group/${c.id}`),
    }),
    "aws:cloudwatch/logGroup:LogGroup": (a, c) => ({
        arn: awsArn("logs", c, `log-group:${a.inputs.name ?? c.autoName}`),
    }),
    "aws:eks/cluster:Cluster": (a, c) => {
        const name = String(a.inputs.name ?? c.autoName);
        const oidc = hex(32, c.id, "oidc").toUpperCase();
        return {
            name,
            arn: awsArn("eks", c, `cluster/${name}`),
            endpoint: `https://${oidc}.gr7.${c.region}.eks.amazonaws.com`,
            certificateAuthority: {
                data: Buffer.from(fakePem("CERTIFICATE", `${c.id}-ca`)).toString("base64"),
            },
            identities: [
                { oidcs: [{ issuer: `https://oidc.eks.${c.region}.amazonaws.com/id/${oidc}` }] },
            ],
            status: "ACTIVE",
            platformVersion: "eks.9",
            vpcConfig: {
                ...(a.inputs.vpcConfig as object),
                clusterSecurityGroupId: `sg-${hex(17, c.id, "csg")}`,
                vpcId: `vpc-${hex(17, c.id, "vpc")}`,
            },
        };
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (a, c) => ({
        arn: awsArn(
            "iam",
            c,
            `oidc-provider/${String(a.inputs.url ?? "").replace(/^https:\/\//, "")}`,
            true,
        ),
    }),
    "aws:eks/nodeGroup:NodeGroup": (a, c) => ({
        arn: awsArn(
            "eks",
            c,
            `nodegroup/${a.inputs.clusterName}/${a.inputs.nodeGroupName ?? c.autoName}/${c.id}`,
        ),
        status: "ACTIVE",
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": (_a, c) => ({
        arn: awsArn("ec2", c, `launch-template/lt-${hex(17, c.id)}`),
        latestVersion: 1,
        defaultVersion: 1,
    }),
    "aws:route53/healthCheck:HealthCheck": (_a, c) => ({
        arn: `arn:aws:route53:::healthcheck/${c.id}`,
    }),
    "gcp:container/cluster:Cluster": (a, c) => ({
        name: a.inputs.name ?? c.autoName,
        endpoint: `34.${parseInt(hex(2, c.id), 16) % 200}.${parseInt(hex(2, c.id, "b"), 16)}.${parseInt(hex(2, c.id, "c"), 16)}`,
        masterAuth: {
            clusterCaCertificate: Buffer.from(fakePem("CERTIFICATE", `${c.id}-ca`)).toString(
                "base64",
            ),
        },
        selfLink: `https://container.googleapis.com/v1/projects/${a.inputs.project}/locations/${a.inputs.location}/clusters/${a.inputs.name ?? c.autoName}`,
    }),
    "gcp:serviceaccount/account:Account": (a, c) => ({
        email: `${a.inputs.accountId}@${a.inputs.project}.iam.gserviceaccount.com`,
        name: `projects/${a.inputs.project}/serviceAccounts/${a.inputs.accountId}@${a.inputs.project}.iam.gserviceaccount.com`,
        uniqueId: hex(21, c.id).replace(/[a-f]/g, "7"),
    }),
    "gcp:kms/cryptoKey:CryptoKey": (a) => ({
        id: `${a.inputs.keyRing}/cryptoKeys/${a.inputs.name}`,
    }),
    "gcp:kms/keyRing:KeyRing": (a) => ({
        id: `projects/${a.inputs.project}/locations/${a.inputs.location}/keyRings/${a.inputs.name}`,
    }),
    "gcp:compute/address:Address": (a, c) => ({
        address: `35.${(parseInt(hex(2, c.id, "a"), 16) % 200) + 10}.${parseInt(hex(2, c.id, "b"), 16)}.${(parseInt(hex(2, c.id, "c"), 16) % 250) + 1}`,
        selfLink: `https://www.googleapis.com/compute/v1/projects/${a.inputs.project}/regions/${a.inputs.region}/addresses/${a.inputs.name ?? c.autoName}`,
    }),
    "gcp:compute/network:Network": (a, c) => ({
        selfLink: `https://www.googleapis.com/compute/v1/projects/${a.inputs.project}/global/networks/${a.inputs.name ?? c.autoName}`,
    }),
    "gcp:compute/subnetwork:Subnetwork": (a, c) => ({
        selfLink: `https://www.googleapis.com/compute/v1/projects/${a.inputs.project}/regions/${a.inputs.region}/subnetworks/${a.inputs.name ?? c.autoName}`,
    }),
    "tls:index/privateKey:PrivateKey": (_a, c) => ({
        privateKeyPem: fakePem("PRIVATE KEY", `${c.id}-key`),
        privateKeyPemPkcs8: fakePem("PRIVATE KEY", `${c.id}-key`),
        publicKeyPem: fakePem("PUBLIC KEY", `${c.id}-pub`),
    }),
    "tls:index/selfSignedCert:SelfSignedCert": (_a, c) => ({
        certPem: fakePem("CERTIFICATE", `${c.id}-cert`),
        validityEndTime: "2036-11-25T00:00:00Z",
    }),
    "tls:index/locallySignedCert:LocallySignedCert": (_a, c) => ({
        certPem: fakePem("CERTIFICATE", `${c.id}-cert`),
        validityEndTime: "2031-11-25T00:00:00Z",
    }),
    "tls:index/certRequest:CertRequest": (_a, c) => ({
        certRequestPem: fakePem("CERTIFICATE REQUEST", `${c.id}-csr`),
    }),
    "kubernetes:helm.sh/v3:Release": (a) => ({
        // What Helm reports after a successful install.
        status: {
            name: a.inputs.name,
            namespace: a.inputs.namespace,
            chart: a.inputs.chart,
            version: a.inputs.version,
            appVersion: a.inputs.version,
            revision: 1,
            status: "deployed",
        },
    }),
    "kubernetes:core/v1:Service": (a, c) => {
        // A LoadBalancer Service, created (Pulumi awaits its address) or read back (`Service.get`, id
        // `<namespace>/<name>`): the address the cloud assigned. AWS load balancers get a DNS name (an
        // NLB's `<name>-<hash>.elb.<region>.amazonaws.com`), GCP ones an IP address.
        const meta = (a.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        const spec = (a.inputs.spec ?? {}) as { type?: string };
        const read = !!a.id && String(a.id).includes("/");
        if (!read && spec.type !== "LoadBalancer") return {};
        const [namespace, name] = read
            ? String(a.id).split("/")
            : [meta.namespace ?? "default", meta.name ?? c.autoName];
        const status =
            c.cloud === "gcp"
                ? {
                      ip: `34.${(parseInt(hex(2, a.name, "ip1"), 16) % 200) + 1}.${parseInt(hex(2, a.name, "ip2"), 16)}.${(parseInt(hex(2, a.name, "ip3"), 16) % 254) + 1}`,
                  }
                : {
                      hostname: `k8s-${namespace.replace(/-/g, "").slice(0, 8)}-${name.replace(/-/g, "").slice(0, 8)}-${hex(10, a.name, c.id)}-${hex(16, a.name, c.id, "nlb")}.elb.${c.region || "ap-southeast-1"}.amazonaws.com`,
                  };
        return {
            metadata: { ...meta, namespace, name },
            spec: { ...spec, type: "LoadBalancer" },
            status: { loadBalancer: { ingress: [status] } },
        };
    },
    "kubernetes:core/v1:Secret": (a, c) => {
        const type = a.inputs.type;
        if (type !== "kubernetes.io/service-account-token") return {};
        // The token controller fills in the token of a service-account-token secret.
        const token = `eyJhbGciOiJSUzI1NiJ9.${hex(48, c.id, "token")}.${hex(43, c.id, "sig")}`;
        return {
            data: {
                token: Buffer.from(token).toString("base64"),
                "ca.crt": Buffer.from(fakePem("CERTIFICATE", `${c.id}-sa-ca`)).toString("base64"),
            },
        };
    },
};

/** Answers to invokes, keyed by token. */
export const CALL_RESULTS: Record<string, CallFn> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": (a, { region }) => {
        // ap-northeast-1 has no usable "b" zone: model the real gap so code never assumes a/b/c.
        // Every region also has an opted-in Local Zone (listed first, as a name sort would put
        // ap-northeast-1-tpe-1a before ap-northeast-1a): it is returned unless the query filters on
        // `opt-in-status` = opt-in-not-required or `zone-type` = availability-zone, as on EC2.
        const letters = region === "ap-northeast-1" ? ["a", "c", "d"] : ["a", "b", "c"];
        const zones = [
            {
                name: `${region}-lz-1a`,
                zoneId: `${region.replace(/-/g, "").slice(0, 6)}-lz1-az1`,
                optInStatus: "opted-in",
                zoneType: "local-zone",
            },
            ...letters.map((l, i) => ({
                name: `${region}${l}`,
                zoneId: `${region.replace(/-/g, "").slice(0, 6)}-az${i + 1}`,
                optInStatus: "opt-in-not-required",
                zoneType: "availability-zone",
            })),
        ];
        const filters = (a.inputs.filters ?? []) as { name: string; values: string[] }[];
        const keep = zones.filter((z) =>
            filters.every((f) => {
                if (f.name === "opt-in-status") return f.values.includes(z.optInStatus);
                if (f.name === "zone-type") return f.values.includes(z.zoneType);
                throw new Error(`offline plan: getAvailabilityZones filter ${f.name} not modelled`);
            }),
        );
        return { names: keep.map((z) => z.name), zoneIds: keep.map((z) => z.zoneId), id: region };
    },
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/plan`,
        userId: "AIDAPLAN",
        id: MOCK_ACCOUNT_ID,
    }),
    "aws:index/getPartition:getPartition": () => ({
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        id: "aws",
    }),
    "gcp:organizations/getProject:getProject": (a) => ({
        projectId: a.inputs.projectId,
        number: MOCK_GCP_PROJECT_NUMBER,
        name: a.inputs.projectId,
        id: `projects/${a.inputs.projectId}`,
    }),
    "aws:index/getRegion:getRegion": (_a, { region }) => ({ name: region, region, id: region }),
};

/** Types whose physical name the engine auto-generates from the logical name when `name` is absent. */
function autoNamed(type: string): boolean {
    return type.startsWith("aws:") || type.startsWith("gcp:");
}

export class PlatformMocks implements pulumi.runtime.Mocks {
    /** provider reference (name::id) -> where that provider points. */
    private readonly providers = new Map<string, { region: string; cloud?: "aws" | "gcp" }>();

    newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, unknown>;
    } {
        const autoName = `${args.name}-${hex(7, args.type, args.name)}`;
        let id =
            args.id && args.id !== "" ? args.id : `${args.name}-${hex(8, args.type, args.name)}`;
        // An S3 bucket's id is its name, as on AWS (bucket settings resources refer to it by either).
        if (args.type === "aws:s3/bucket:Bucket" && !args.id)
            id = String(args.inputs.bucket ?? autoName);
        if (args.type.startsWith("pulumi:providers:")) {
            // The SDK refers to a provider as `<urn>::<id>`; the URN is not known here, so key by name and id.
            this.providers.set(`${args.name}::${id}`, providerTarget(args.type, args.inputs));
            return { id, state: { ...args.inputs } };
        }
        const target = this.targetOf(args.provider);
        const ctx: MockContext = { region: target.region, cloud: target.cloud, autoName, id };
        const state: Record<string, unknown> = { ...args.inputs };
        if (autoNamed(args.type) && state.name === undefined) state.name = ctx.autoName;
        if (args.type.startsWith("kubernetes:") && args.type !== "kubernetes:helm.sh/v3:Release") {
            const meta = { ...((state.metadata as Record<string, unknown>) ?? {}) };
            if (meta.name === undefined) meta.name = ctx.autoName;
            state.metadata = meta;
        }
        const extra = RESOURCE_OUTPUTS[args.type]?.(args, ctx) ?? {};
        return { id, state: { ...state, ...extra } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const fn = CALL_RESULTS[args.token];
        if (!fn)
            throw new Error(
                `offline plan: no mock for invoke ${args.token}; add one to tools/mocks.ts CALL_RESULTS`,
            );
        return fn(args, { region: this.targetOf(args.provider).region });
    }

    private targetOf(providerRef: string | undefined): { region: string; cloud?: "aws" | "gcp" } {
        if (!providerRef) return { region: "" };
        // providerRef = urn::id; the urn ends with ::<name>.
        const idSep = providerRef.lastIndexOf("::");
        const urn = providerRef.slice(0, idSep);
        const id = providerRef.slice(idSep + 2);
        const name = urn.slice(urn.lastIndexOf("::") + 2);
        return this.providers.get(`${name}::${id}`) ?? { region: "" };
    }
}

/** Region and cloud a provider points at, from its inputs. */
function providerTarget(
    type: string,
    inputs: Record<string, unknown>,
): { region: string; cloud?: "aws" | "gcp" } {
    if (type === "pulumi:providers:aws")
        return { region: String(inputs.region ?? ""), cloud: "aws" };
    if (type === "pulumi:providers:gcp")
        return { region: String(inputs.region ?? ""), cloud: "gcp" };
    if (type === "pulumi:providers:kubernetes") {
        // The kubeconfig arrives as a Pulumi secret (a sentinel object holding the value) or a string.
        const raw = inputs.kubeconfig;
        const value = raw && typeof raw === "object" && "value" in raw ? raw.value : raw;
        const kubeconfig = typeof value === "string" ? value : JSON.stringify(value ?? "");
        if (kubeconfig.includes("gke-gcloud-auth-plugin")) return { region: "", cloud: "gcp" };
        const region = /--region["\s,]+([a-z0-9-]+)/.exec(kubeconfig)?.[1] ?? "";
        return { region, cloud: kubeconfig.includes("eks") ? "aws" : undefined };
    }
    return { region: String(inputs.region ?? "") };
}
