/**
 * The resolved stack config: what the loader returns once every key is valid and the environment
 * profile is applied. Only the composition (platform/) reads it; components take their own args.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Cloud } from "../lib/cloud";
import type { Environment, LogLevel, MtlsMode, NodeGroupSizing, Profile } from "./profiles";

export interface RegionConfig {
    /** Short stable name (`singapore`): used in logical names, cluster names and mesh network names. */
    readonly name: string;
    readonly cloud: Cloud;
    /** The cloud's region id (`ap-southeast-1`, `asia-southeast1`). */
    readonly region: string;
    readonly primary: boolean;
    readonly vpcCidr: string;
    /** GKE only: secondary ranges for pods and services. */
    readonly podsCidr?: string;
    readonly servicesCidr?: string;
    /** Number of availability zones the network and node groups span. @default 3 */
    readonly availabilityZones: number;
    /**
     * EKS only: the Kubernetes service CIDR. @default what EKS assigns without one (172.20.0.0/16 for a
     * VPC in 10.0.0.0/8, else 10.100.0.0/16), so clusters created before it was set keep theirs.
     */
    readonly serviceCidr?: string;
    /** This region's Kubernetes minor instead of `kubernetes.version` (an upgrade, region by region). */
    readonly kubernetesVersion?: string;
    /** This region's Istio instead of `mesh.istio` (one cluster goes first in an upgrade). */
    readonly istio?: IstioConfig;
}

/** Istio in a cluster: its istiod releases and the tags its gateways and app namespaces select. */
export interface IstioConfig {
    /** istiod releases (one or two): a version from lib/charts.ts ISTIO_VERSIONS and its tags. */
    readonly revisions: readonly { readonly version: string; readonly tags: readonly string[] }[];
    /** The tag the east-west and ingress gateways select. */
    readonly gatewayTag: string;
    /** The tag the app namespaces select. */
    readonly namespaceTag: string;
    /** App namespaces that select another tag than namespaceTag (one namespace moves first). @default {} */
    readonly namespaceTags: Readonly<Record<string, string>>;
}

/** An existing VPC the deployer and CI runners live in; the program peers it with every regional VPC. */
export interface ManagementVpcConfig {
    readonly id: string;
    /** AWS region of the management VPC. */
    readonly region: string;
    readonly cidr: string;
    /** Route tables of the management VPC that get a route to every regional VPC. @default [] */
    readonly routeTableIds: readonly string[];
    /** Owner account of the management VPC. @default the stack's account */
    readonly accountId?: string;
}

/** Where `pulumi up` (people and CI runners) reaches the cluster APIs from. */
export interface DeployerConfig {
    /**
     * Source CIDRs of the deployer: AWS, admitted on 443 by the API security group (private endpoint,
     * so they must route into the VPCs: the management VPC or your own VPN/Transit Gateway); GKE,
     * added to the master authorized networks (public endpoint: the runners' egress addresses).
     */
    readonly cidrs: readonly string[];
    readonly managementVpc?: ManagementVpcConfig;
}

export interface KubernetesConfig {
    readonly version: string;
    /**
     * EKS support policy (`upgradePolicy.supportType`). STANDARD: AWS never bills extended support and
     * upgrades the cluster itself at the end of standard support (outside Pulumi); EXTENDED: the cluster
     * stays on its version for up to 12 more months at the extended-support rate. The loader refuses a
     * version past its end of standard support unless this is EXTENDED.
     */
    readonly supportType: "STANDARD" | "EXTENDED";
    /** AWS: IAM role ARN granted cluster-admin through an EKS access entry. */
    readonly adminRoleArn?: string;
    /** CIDRs allowed to reach the public API endpoint. Empty = public endpoint off. Never 0.0.0.0/0. */
    readonly publicAccessCidrs: readonly string[];
}

export interface MeshConfig {
    readonly meshId: string;
    /** Number of services in the mesh; chooses istiod's size band (guide: small < 50, medium 50-200, large 200+). */
    readonly serviceCount: number;
    readonly mtlsMode: MtlsMode;
    readonly outboundTrafficPolicy: "REGISTRY_ONLY" | "ALLOW_ANY";
    readonly jwt: {
        readonly issuer: string;
        readonly jwksUri: string;
        readonly audiences: readonly string[];
    };
    /**
     * Name of the TLS secret the public ingress gateway serves, issued by cert-manager into the gateway
     * namespace (`istio-gateways`), where the gateway's `credentialName` is looked up.
     */
    readonly ingressTlsSecretName: string;
    /**
     * Root CA generations that are trusted; the last one listed signs the intermediates. Rotation takes
     * three `pulumi up`s so that no workload ever meets a root it does not trust yet: [new, old] (both
     * trusted, old signs), then [old, new] (new signs), then [new]. See docs/ca-rotation.md.
     */
    readonly caGenerations: readonly string[];
    /**
     * Generation of the reader tokens behind the cross-cluster remote secrets. Changing it rotates every
     * link: new tokens are created, remote secrets switch to them, then the old tokens are deleted.
     */
    readonly readerTokenGeneration: string;
    /** Days between automatic reader-token rotations (docs/remote-secret-rotation.md). */
    readonly readerTokenRotationDays: number;
    /** Root CA generations kept (protected) but no longer trusted: the last step of a rotation. */
    readonly caRetiredGenerations: readonly string[];
    /** The stack's Istio (regions may override it: RegionConfig.istio). */
    readonly istio: IstioConfig;
}

export interface DnsConfig {
    readonly provider: "route53" | "clouddns";
    /** Route 53 hosted zone id, or Cloud DNS managed zone name. The zone itself is owned outside this stack. */
    readonly zoneId: string;
    readonly zoneName: string;
    /** The public hostname that fails over between regions, e.g. `learn.example.com`. */
    readonly hostname: string;
    readonly ttlSeconds: number;
    readonly healthCheckIntervalSeconds: 10 | 30;
    readonly healthCheckFailureThreshold: number;
}

export interface CertificatesConfig {
    readonly acmeEmail: string;
    /** Hostnames on the ingress certificate. @default [dns.hostname] */
    readonly hostnames: readonly string[];
    /** Which ClusterIssuer signs the ingress certificate. */
    readonly issuer: "letsencrypt-staging" | "letsencrypt-prod";
}

export interface AlertingConfig {
    /** PagerDuty Events v2 routing key (secret config `alertingPagerKey`). Critical alerts. */
    readonly pagerRoutingKey?: pulumi.Output<string>;
    /** Slack-compatible incoming webhook URL (secret config `alertingChatWebhook`). Warning alerts. */
    readonly chatWebhookUrl?: pulumi.Output<string>;
    /** Info alerts go to this address by email. */
    readonly emailTo: string;
    readonly emailFrom: string;
    readonly smtpSmarthost: string;
    /** SMTP AUTH user (e.g. an SES SMTP user); set together with the secret `alertingSmtpPassword`. */
    readonly smtpUsername?: string;
    readonly smtpPassword?: pulumi.Output<string>;
    /**
     * Dead man's switch: `alerting.heartbeatUrl` with `{secret}` replaced by the secret config
     * `alertingHeartbeatSecret`; the always-firing Watchdog is posted there every minute. `{cluster}` is
     * left in: each cluster replaces it with its name (one heartbeat check per region).
     */
    readonly heartbeatUrl?: pulumi.Output<string>;
    // --- observability: per-service critical error rates, database probes ---
    /**
     * Percent of 5xx responses above which a service's CriticalServiceHighErrorRate fires, by
     * `destination_service_name` (`alerting.criticalErrorRates`).
     * @default { "payment-service": 1, "exam-service": 2 } (the guide's thresholds)
     */
    readonly criticalErrorRates: Readonly<Record<string, number>>;
    /** Databases probed over TCP from every cluster (`alerting.databaseTargets`). @default [] */
    readonly databaseTargets: readonly { name: string; host: string; port: number }[];
}

export interface ObservabilityConfig {
    readonly logLevel: LogLevel;
    readonly traceSamplingPercent: number;
    readonly metricsRetentionDays: number;
    readonly logsRetentionDays: number;
    readonly tracesRetentionDays: number;
    readonly prometheusStorageGiB: number;
    readonly elasticsearchNodes: number;
    readonly elasticsearchStorageGiB: number;
}

export interface BackupConfig {
    readonly retentionDays: number;
    /** Recovery point objective for the assessment (exams) namespace, in minutes. */
    readonly examsRpoMinutes: number;
    // --- CA vault and backup secrets ---
    /** Velero's kopia repository password (secret `backupRepositoryPassword`), the same in every region. */
    readonly repositoryPassword: pulumi.Output<string>;
    /** HTTPS endpoint the replication alarms' SNS topic pages (secret `backupPagerUrl`). @default none */
    readonly pagerUrl?: pulumi.Output<string>;
}

// --- CA vault and backup secrets ---
/** Who may use the mesh CA secret and its key (config `caVault`). */
export interface CaVaultConfig {
    /** AWS: IAM role ARNs (ArnLike patterns allowed); GCP: service account emails. Run `pulumi up`. */
    readonly deployers: readonly string[];
    /** AWS: the break-glass IAM role ARN; GCP: the break-glass service account email. */
    readonly breakGlass: string;
}

// --- services (golden path) ---
/** An example MeshService the platform runs in every cluster (a demo of the golden path). */
export interface ExampleServiceConfig {
    readonly name: string;
    /** Delivered as an Argo Rollout canary with error-rate analysis. */
    readonly canary: boolean;
    /** Envoy's HTTP cache on its inbound sidecar. */
    readonly cache: boolean;
    /** Image pinned by digest; the smoke image when not set. */
    readonly image?: string;
}

export interface Tags {
    readonly team: string;
    readonly costCenter: string;
}

export interface PlatformConfig {
    readonly stack: string;
    /**
     * Warnings about a valid config, judged on the day it was loaded (e.g. an Istio revision past its end
     * of life while the upgrade off it is under way); the program prints them and goes on.
     */
    readonly advisories?: readonly string[];
    readonly environment: Environment;
    readonly profile: Profile;
    readonly protect: boolean;
    readonly tags: Tags;
    /** Primary region first, then the others in stack-file order. */
    readonly regions: readonly RegionConfig[];
    readonly primaryRegion: RegionConfig;
    readonly gcpProject?: string;
    readonly kubernetes: KubernetesConfig;
    /** Where the deployer reaches the APIs from (required in prod). */
    readonly deployer?: DeployerConfig;
    readonly nodeGroups: { readonly system: NodeGroupSizing; readonly workloads: NodeGroupSizing };
    /** Per-cloud instance types actually used (GCP regions use GCP machine types). */
    readonly gcpNodeGroups?: {
        readonly system: NodeGroupSizing;
        readonly workloads: NodeGroupSizing;
    };
    readonly natGateways: "perAz" | "single";
    readonly flowLogsRetentionDays: number;
    readonly mesh: MeshConfig;
    readonly dns: DnsConfig;
    readonly certificates: CertificatesConfig;
    readonly alerting: AlertingConfig;
    readonly observability: ObservabilityConfig;
    readonly backup: BackupConfig;
    readonly egress: EgressConfig;
    /** The mesh CA secret's readers. */
    readonly caVault: CaVaultConfig;
    /** Example MeshServices in every cluster (`exampleServices`, default none). */
    readonly exampleServices: readonly ExampleServiceConfig[];
    /** Drill guard rails and the optional FIS template (`drill`). */
    readonly drill: DrillConfig;
}

// --- egress ---
/** One external host meshed apps may reach (a ServiceEntry per namespace). */
export interface EgressHostConfig {
    readonly host: string;
    readonly port: number;
    /** TLS end to end; the sidecar matches the SNI. */
    readonly protocol: "TLS" | "HTTPS";
    /** App namespaces whose pods may reach the host. */
    readonly namespaces: readonly string[];
}
/** Allowed external hosts; everything else stays unreachable under REGISTRY_ONLY. */
export interface EgressConfig {
    /** @default [] */
    readonly hosts: readonly EgressHostConfig[];
}

// --- drill ---
export interface DrillConfig {
    /** CloudWatch alarms whose ALARM state stops a running drill. @default [] */
    readonly stopAlarms: readonly { readonly name: string; readonly region: string }[];
    /** The optional FIS experiment template. @default undefined (not declared) */
    readonly fis?: { readonly stopAlarmArn: string; readonly duration: string };
}
