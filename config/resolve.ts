/**
 * Resolution: the environment profile merged under the parsed keys. Pure, and shared by the rules (which
 * check resolved values, e.g. node-group sizes after the profile applies) and by the loader's result.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Cloud } from "../lib/cloud";
import { DEFAULT_KUBERNETES_VERSION } from "./catalog";
import {
    Environment,
    GCP_INSTANCE_DEFAULTS,
    MtlsMode,
    NodeGroupSizing,
    PROFILES,
} from "./profiles";
import type { KeyName, Parsed } from "./schema";
import type { DeployerConfig, IstioConfig, PlatformConfig, RegionConfig } from "./types";
import { ISTIO_VERSION } from "../lib/charts";
import { eksDefaultServiceCidr } from "../components/cluster/service-cidr";

export type NodeGroupRole = "system" | "workloads";
export const NODE_GROUP_ROLES: readonly NodeGroupRole[] = ["system", "workloads"];

// --- observability: per-service critical error rates (the guide: payment 1 %, exams 2 %) ---
export const DEFAULT_CRITICAL_ERROR_RATES: Readonly<Record<string, number>> = {
    "payment-service": 1,
    "exam-service": 2,
};

export const environmentOf = (parsed: Parsed): Environment => parsed.environment ?? "dev";

/** Regions in stack-file order (the rules name them by index), with defaults applied. */
export function resolveRegions(parsed: Parsed): RegionConfig[] {
    return (parsed.regions ?? []).map((r) => ({
        name: r.name,
        cloud: r.cloud,
        region: r.region,
        primary: r.primary === true,
        vpcCidr: r.vpcCidr,
        podsCidr: r.podsCidr,
        servicesCidr: r.servicesCidr,
        availabilityZones: r.availabilityZones ?? 3,
        ...serviceCidrOf(r),
        ...(r.kubernetesVersion ? { kubernetesVersion: r.kubernetesVersion } : {}),
        ...(r.istio ? { istio: regionIstioOf(parsed, r.istio) } : {}),
    }));
}

// --- Istio and Kubernetes versions (day 2) ---
type RawIstio = NonNullable<NonNullable<Parsed["mesh"]>["istio"]>;

/** The stack's Istio: `mesh.istio` with defaults (the catalog's default version, tag `stable`). */
export function istioOf(parsed: Parsed): IstioConfig {
    const i = parsed.mesh?.istio ?? {};
    return {
        revisions: (i.revisions ?? [{ version: ISTIO_VERSION, tags: ["stable"] }]).map((r) => ({
            version: r.version,
            tags: r.tags ?? [],
        })),
        gatewayTag: i.gatewayTag ?? "stable",
        namespaceTag: i.namespaceTag ?? "stable",
        namespaceTags: { ...(i.namespaceTags ?? {}) },
    };
}

/** A region's Istio: each field it sets replaces the stack's. */
export function regionIstioOf(parsed: Parsed, r: RawIstio): IstioConfig {
    const stack = istioOf(parsed);
    return {
        revisions: r.revisions
            ? r.revisions.map((x) => ({ version: x.version, tags: x.tags ?? [] }))
            : stack.revisions,
        gatewayTag: r.gatewayTag ?? stack.gatewayTag,
        namespaceTag: r.namespaceTag ?? stack.namespaceTag,
        namespaceTags: r.namespaceTags ? { ...r.namespaceTags } : stack.namespaceTags,
    };
}
// --- end Istio and Kubernetes versions ---

/** EKS regions: the service CIDR, by default the one EKS assigns (see eksDefaultServiceCidr). */
function serviceCidrOf(r: NonNullable<Parsed["regions"]>[number]): { serviceCidr?: string } {
    if (r.cloud !== "aws") return {};
    return { serviceCidr: r.serviceCidr ?? eksDefaultServiceCidr(r.vpcCidr) };
}

/** The deployer network, with defaults. */
export function resolveDeployer(parsed: Parsed): DeployerConfig | undefined {
    const d = parsed.deployer;
    if (!d) return undefined;
    const m = d.managementVpc;
    return {
        cidrs: d.cidrs ?? [],
        ...(m
            ? {
                  managementVpc: {
                      id: m.id,
                      region: m.region,
                      cidr: m.cidr,
                      routeTableIds: m.routeTableIds ?? [],
                      ...(m.accountId ? { accountId: m.accountId } : {}),
                  },
              }
            : {}),
    };
}

/** Node-group sizing for one cloud: stack values over the profile (GCP gets GCP machine types by default). */
export function resolveNodeGroups(
    parsed: Parsed,
    cloud: Cloud,
): Record<NodeGroupRole, NodeGroupSizing> {
    const env = environmentOf(parsed);
    const profile = PROFILES[env];
    const out = { ...profile.nodeGroups } as Record<NodeGroupRole, NodeGroupSizing>;
    for (const role of NODE_GROUP_ROLES) {
        const over = parsed.nodeGroups?.[role] ?? {};
        const base = profile.nodeGroups[role];
        out[role] = {
            instanceTypes:
                over.instanceTypes ??
                (cloud === "gcp" ? GCP_INSTANCE_DEFAULTS[env][role] : base.instanceTypes),
            minSize: over.minSize ?? base.minSize,
            maxSize: over.maxSize ?? base.maxSize,
            desiredSize: over.desiredSize ?? base.desiredSize,
            capacityType: over.capacityType ?? base.capacityType,
            diskSizeGiB: over.diskSizeGiB ?? base.diskSizeGiB,
        };
    }
    return out;
}

export const mtlsModeOf = (parsed: Parsed): MtlsMode =>
    parsed.mesh?.mtlsMode ?? PROFILES[environmentOf(parsed)].mtlsMode;
export const caGenerationsOf = (parsed: Parsed): readonly string[] =>
    parsed.mesh?.caGenerations ?? ["g1"];
export const kubernetesVersionOf = (parsed: Parsed): string =>
    parsed.kubernetes?.version ?? DEFAULT_KUBERNETES_VERSION;
export const traceSamplingOf = (parsed: Parsed): number =>
    parsed.observability?.traceSamplingPercent ??
    PROFILES[environmentOf(parsed)].traceSamplingPercent;
export const flowLogsRetentionOf = (parsed: Parsed): number =>
    parsed.flowLogsRetentionDays ?? PROFILES[environmentOf(parsed)].retention.flowLogsDays;

/** Route 53 when any region is on AWS (or regions did not parse), Cloud DNS on an all-GCP stack. */
export function dnsProviderOf(parsed: Parsed): "route53" | "clouddns" {
    const clouds = new Set(resolveRegions(parsed).map((r) => r.cloud));
    return (
        parsed.dns?.provider ??
        (clouds.has("aws") || parsed.regions === undefined ? "route53" : "clouddns")
    );
}

/**
 * `<region>.<hostname>` per region when Route 53 fails over: each region's app health check calls its
 * own ingress by that name (TLS with SNI), so the certificate, the public gateway and the public routes
 * must serve it (components/dns/failover.ts regionalHostname).
 */
export function regionalHostnamesOf(parsed: Parsed, hostname: string): string[] {
    if (dnsProviderOf(parsed) !== "route53") return [];
    return resolveRegions(parsed).map((r) => `${r.name}.${hostname}`);
}

/** The resolved config. Call only when the rules found no problem (required keys are then present). */
export function resolveConfig(stack: string, parsed: Parsed): PlatformConfig {
    const env = environmentOf(parsed);
    const profile = PROFILES[env];
    const inFileOrder = resolveRegions(parsed);
    const regions = [
        ...inFileOrder.filter((r) => r.primary),
        ...inFileOrder.filter((r) => !r.primary),
    ];
    const clouds = new Set(regions.map((r) => r.cloud));
    const secretOf = (key: KeyName): pulumi.Output<string> | undefined =>
        parsed[key] === undefined ? undefined : pulumi.secret(parsed[key] as string);
    const mesh = parsed.mesh!;
    const dns = parsed.dns!;
    const obs = parsed.observability ?? {};
    const k8s = parsed.kubernetes ?? {};
    return {
        stack,
        environment: env,
        profile,
        protect: profile.protect,
        tags: { team: parsed.tags!.team, costCenter: parsed.tags!["cost-center"] },
        regions,
        primaryRegion: regions[0],
        gcpProject: parsed.gcpProject,
        kubernetes: {
            version: kubernetesVersionOf(parsed),
            supportType: k8s.supportType ?? "STANDARD",
            adminRoleArn: k8s.adminRoleArn,
            publicAccessCidrs: k8s.publicAccessCidrs ?? [],
        },
        deployer: resolveDeployer(parsed),
        nodeGroups: resolveNodeGroups(parsed, "aws"),
        gcpNodeGroups: clouds.has("gcp") ? resolveNodeGroups(parsed, "gcp") : undefined,
        natGateways: parsed.natGateways ?? profile.natGateways,
        flowLogsRetentionDays: flowLogsRetentionOf(parsed),
        mesh: {
            meshId: mesh.meshId ?? "edtech-mesh",
            serviceCount: mesh.serviceCount ?? 40,
            mtlsMode: mtlsModeOf(parsed),
            outboundTrafficPolicy: mesh.outboundTrafficPolicy ?? profile.outboundTrafficPolicy,
            jwt: {
                issuer: mesh.jwt.issuer,
                jwksUri: mesh.jwt.jwksUri,
                audiences: mesh.jwt.audiences ?? [],
            },
            ingressTlsSecretName: mesh.ingressTlsSecretName ?? "ingress-tls",
            caGenerations: caGenerationsOf(parsed),
            readerTokenGeneration: mesh.readerTokenGeneration ?? "t1",
            readerTokenRotationDays: mesh.readerTokenRotationDays ?? 30,
            caRetiredGenerations: mesh.caRetiredGenerations ?? [],
            istio: istioOf(parsed),
        },
        dns: {
            provider: dnsProviderOf(parsed),
            zoneId: dns.zoneId,
            zoneName: dns.zoneName,
            hostname: dns.hostname,
            ttlSeconds: dns.ttlSeconds ?? 60,
            healthCheckIntervalSeconds: dns.healthCheckIntervalSeconds ?? 10,
            healthCheckFailureThreshold: dns.healthCheckFailureThreshold ?? 3,
        },
        certificates: {
            acmeEmail: parsed.certificates!.acmeEmail,
            hostnames: parsed.certificates!.hostnames ?? [
                dns.hostname,
                ...regionalHostnamesOf(parsed, dns.hostname),
            ],
            issuer:
                parsed.certificates!.issuer ??
                // --- observability/certificates: staging is long-lived and public-facing: trusted certs ---
                (env === "dev" ? "letsencrypt-staging" : "letsencrypt-prod"),
        },
        alerting: {
            pagerRoutingKey: secretOf("alertingPagerKey"),
            chatWebhookUrl: secretOf("alertingChatWebhook"),
            emailTo: parsed.alerting!.emailTo,
            emailFrom: parsed.alerting!.emailFrom,
            smtpSmarthost: parsed.alerting!.smtpSmarthost,
            smtpUsername: parsed.alerting!.smtpUsername,
            smtpPassword: secretOf("alertingSmtpPassword"),
            heartbeatUrl:
                parsed.alerting!.heartbeatUrl !== undefined &&
                parsed.alertingHeartbeatSecret !== undefined
                    ? pulumi.secret(
                          parsed.alerting!.heartbeatUrl.replace(
                              "{secret}",
                              parsed.alertingHeartbeatSecret,
                          ),
                      )
                    : undefined,
            // --- observability: per-service critical error rates, database probes ---
            criticalErrorRates: parsed.alerting!.criticalErrorRates ?? DEFAULT_CRITICAL_ERROR_RATES,
            databaseTargets: parsed.alerting!.databaseTargets ?? [],
        },
        observability: {
            logLevel: obs.logLevel ?? profile.logLevel,
            traceSamplingPercent: traceSamplingOf(parsed),
            metricsRetentionDays: obs.metricsRetentionDays ?? profile.retention.metricsDays,
            logsRetentionDays: obs.logsRetentionDays ?? profile.retention.logsDays,
            tracesRetentionDays: obs.tracesRetentionDays ?? profile.retention.tracesDays,
            prometheusStorageGiB: obs.prometheusStorageGiB ?? profile.storage.prometheusGiB,
            elasticsearchNodes: obs.elasticsearchNodes ?? profile.storage.elasticsearchNodes,
            elasticsearchStorageGiB:
                obs.elasticsearchStorageGiB ?? profile.storage.elasticsearchGiB,
        },
        backup: {
            retentionDays: parsed.backup?.retentionDays ?? profile.retention.backupsDays,
            examsRpoMinutes: parsed.backup?.examsRpoMinutes ?? 60,
            // --- CA vault and backup secrets ---
            repositoryPassword: secretOf("backupRepositoryPassword")!,
            pagerUrl: secretOf("backupPagerUrl"),
        },
        // --- CA vault and backup secrets ---
        caVault: {
            deployers: [...parsed.caVault!.deployers],
            breakGlass: parsed.caVault!.breakGlass,
        },
        // --- egress ---
        egress: { hosts: parsed.egress?.hosts ?? [] },
        // --- services (golden path) ---
        exampleServices: (parsed.exampleServices ?? []).map((e) => ({
            name: e.name,
            canary: e.canary ?? false,
            cache: e.cache ?? false,
            ...(e.image !== undefined ? { image: e.image } : {}),
        })),
        // --- drill ---
        drill: {
            stopAlarms: parsed.drill?.stopAlarms ?? [],
            fis: parsed.drill?.fis?.enabled
                ? {
                      stopAlarmArn: parsed.drill.fis.stopAlarmArn,
                      duration: parsed.drill.fis.duration ?? "PT10M",
                  }
                : undefined,
        },
    };
}
