/**
 * Mutation tests of both packs against the real program: each row takes the offline plan of a
 * committed stack (the program under mocks, exactly what `npm run plan` evaluates), deep-copies its
 * resources, breaks the one property a rule guards, and asserts that the packs report exactly that,
 * with the enforcement level of the stack's environment (mandatory in staging and prod, advisory in
 * dev). The unmutated plans report nothing (offline.test.ts), so every violation here comes from the
 * mutation. Every row runs twice: on the recorded plan, and on a simulated first preview of a new stack
 * (inputs computed from other resources unknown), where the rules must still enforce.
 */
import * as assert from "assert";
import { evaluatePolicies, PACKS, PlanResource, PolicyViolation } from "../../policies/offline";
import { readStackFile } from "../../tools/runtime";
import { toPlanDocument } from "../../tools/planfile";
import { RecordedResource, ROOT, runStack } from "../harness";

type Env = "dev" | "staging" | "prod";
type Mutable = { -readonly [K in keyof PlanResource]: PlanResource[K] } & {
    inputs: Record<string, any>;
};

/** A deep copy of a stack's plan with lookups by logical name. */
class Plan {
    constructor(readonly resources: Mutable[]) {}

    /** The one resource with this logical name (and type suffix, when names repeat across types). */
    named(name: string, typeSuffix?: string): Mutable {
        const found = this.resources.filter(
            (r) => r.name === name && (!typeSuffix || r.type.endsWith(typeSuffix)),
        );
        if (found.length !== 1)
            throw new Error(
                `expected one resource named ${name}${typeSuffix ? ` (${typeSuffix})` : ""}, found ${found.length}`,
            );
        return found[0];
    }

    remove(name: string, typeSuffix?: string): void {
        const r = this.named(name, typeSuffix);
        this.resources.splice(this.resources.indexOf(r), 1);
    }

    /** A new resource next to `like` (same parent and provider), e.g. a ConfigMap beside an existing one. */
    addLike(like: Mutable, type: string, name: string, inputs: Record<string, unknown>): void {
        // urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>
        const head = like.urn.slice(0, like.urn.lastIndexOf("::"));
        const chain = head.slice(head.lastIndexOf("::") + 2);
        const parents = chain.includes("$") ? chain.slice(0, chain.lastIndexOf("$") + 1) : "";
        const urn = `${head.slice(0, head.lastIndexOf("::"))}::${parents}${type}::${name}`;
        this.resources.push({ ...like, urn, type, name, inputs, dependencies: [] });
    }
}

/** The sentinel CrossGuard hands policies for a string that is unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const strings = (v: unknown, out: string[] = []): string[] => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
    else if (v && typeof v === "object") Object.values(v).forEach((x) => strings(x, out));
    return out;
};

/**
 * The plan as the first `pulumi preview` of a new stack shows it to the policies: every input built
 * from what a dependency computes (its id, ARN, generated name, endpoint: output strings that are not
 * among its own inputs) is unknown.
 */
function firstPreview(
    recorded: readonly RecordedResource[],
    plan: readonly PlanResource[],
): PlanResource[] {
    const computed = new Map<string, string[]>();
    for (const r of recorded) {
        const own = new Set(strings(r.inputs));
        const out = strings(r.outputs).filter((s) => s.length >= 10 && /\d/.test(s) && !own.has(s));
        if (r.id && r.id.length >= 8) out.push(r.id);
        computed.set(r.urn, out);
    }
    const blank = (v: unknown, from: readonly string[]): unknown => {
        if (typeof v === "string") return from.some((c) => v.includes(c)) ? UNKNOWN : v;
        if (Array.isArray(v)) return v.map((x) => blank(x, from));
        if (v && typeof v === "object")
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x, from)]));
        return v;
    };
    return plan.map((r) => ({
        ...r,
        inputs: blank(
            r.inputs,
            r.dependencies.flatMap((d) => computed.get(d) ?? []),
        ) as Record<string, unknown>,
    }));
}

type Mode = "recorded" | "first-preview";
const plans = new Map<string, Promise<{ resources: PlanResource[]; environment: Env }>>();

function planOf(
    stack: string,
    mode: Mode = "recorded",
): Promise<{ resources: PlanResource[]; environment: Env }> {
    let p = plans.get(`${stack}/${mode}`);
    if (!p) {
        p = runStack(stack).then((run) => {
            const recorded = toPlanDocument(run.result).resources;
            return {
                resources: mode === "recorded" ? recorded : firstPreview(run.resources, recorded),
                environment: String(
                    readStackFile(ROOT, stack).config["mesh-platform:environment"],
                ) as Env,
            };
        });
        plans.set(`${stack}/${mode}`, p);
    }
    return p;
}

const levelOf = (env: Env) => (env === "dev" ? "advisory" : "mandatory");
const short = (urn: string) => urn.split("::").pop() ?? urn;

interface Row {
    readonly stack: "dev" | "staging" | "prod" | "gcp";
    /** The rule the mutation targets (must be among the expected violations). */
    readonly rule: string;
    readonly breaks: string;
    readonly mutate: (plan: Plan) => void;
    /** Every violation the packs report after the mutation: [policy, resource logical name, message]. */
    readonly expect: readonly (readonly [string, string, string])[];
}

const PEM_KEY =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1\n-----END RSA PRIVATE KEY-----\n";

const ROWS: Row[] = [
    // --- security: mTLS
    {
        stack: "prod",
        rule: "istio-mtls-strict-mesh-wide",
        breaks: "the mesh-wide PeerAuthentication set to PERMISSIVE",
        mutate: (p) => {
            p.named(
                "mesh-singapore-peerauthentication-istio-system-default",
            ).inputs.spec.mtls.mode = "PERMISSIVE";
        },
        expect: [
            [
                "istio-mtls-strict-mesh-wide",
                "mesh-singapore-peerauthentication-istio-system-default",
                "mesh-wide PeerAuthentication in istio-system has mtls.mode PERMISSIVE; it must be STRICT",
            ],
            [
                "istio-no-mtls-downgrade",
                "mesh-singapore-peerauthentication-istio-system-default",
                "namespace-level mtls.mode PERMISSIVE downgrades the mesh's STRICT mTLS; remove it or set STRICT",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-mtls-strict-mesh-wide",
        breaks: "no mesh-wide PeerAuthentication in one cluster",
        mutate: (p) => p.remove("mesh-tokyo-peerauthentication-istio-system-default"),
        expect: [
            [
                "istio-mtls-strict-mesh-wide",
                "mesh-tokyo-istiod",
                "cluster tokyo-k8s has no mesh-wide PeerAuthentication in istio-system; declare one without a selector and spec.mtls.mode STRICT",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-no-mtls-downgrade",
        breaks: "a workload-level DISABLE override in an app namespace",
        mutate: (p) =>
            p.addLike(
                p.named("mesh-singapore-peerauthentication-istio-system-default"),
                "kubernetes:security.istio.io/v1:PeerAuthentication",
                "legacy-exams",
                {
                    apiVersion: "security.istio.io/v1",
                    kind: "PeerAuthentication",
                    metadata: { name: "legacy-exams", namespace: "assessment" },
                    spec: {
                        selector: { matchLabels: { app: "exam-service" } },
                        mtls: { mode: "DISABLE" },
                    },
                },
            ),
        expect: [
            [
                "istio-no-mtls-downgrade",
                "legacy-exams",
                "workload-level mtls.mode DISABLE downgrades the mesh's STRICT mTLS; remove it or set STRICT",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-no-mtls-downgrade",
        breaks: "a port-level PERMISSIVE override on the mesh-wide policy",
        mutate: (p) => {
            p.named(
                "mesh-tokyo-peerauthentication-istio-system-default",
            ).inputs.spec.portLevelMtls = { 8080: { mode: "PERMISSIVE" } };
        },
        expect: [
            [
                "istio-no-mtls-downgrade",
                "mesh-tokyo-peerauthentication-istio-system-default",
                "port-level mtls.mode PERMISSIVE on port 8080 downgrades the mesh's STRICT mTLS",
            ],
        ],
    },
    {
        stack: "dev",
        rule: "istio-mtls-strict-mesh-wide",
        breaks: "PERMISSIVE mesh-wide in dev (advisory there)",
        mutate: (p) => {
            p.named(
                "mesh-singapore-peerauthentication-istio-system-default",
            ).inputs.spec.mtls.mode = "PERMISSIVE";
        },
        expect: [
            [
                "istio-mtls-strict-mesh-wide",
                "mesh-singapore-peerauthentication-istio-system-default",
                "mesh-wide PeerAuthentication in istio-system has mtls.mode PERMISSIVE; it must be STRICT",
            ],
            [
                "istio-no-mtls-downgrade",
                "mesh-singapore-peerauthentication-istio-system-default",
                "namespace-level mtls.mode PERMISSIVE downgrades the mesh's STRICT mTLS; remove it or set STRICT",
            ],
        ],
    },
    // --- security: authorization
    {
        stack: "prod",
        rule: "istio-default-deny-per-app-namespace",
        breaks: "the default-deny policy dropped in one namespace of one cluster",
        mutate: (p) => p.remove("mesh-tokyo-authorizationpolicy-content-default-deny"),
        expect: [
            [
                "istio-default-deny-per-app-namespace",
                "mesh-tokyo-ns-content",
                "app namespace content in cluster tokyo-k8s has no default-deny AuthorizationPolicy (spec: {} with no selector)",
            ],
        ],
    },
    {
        stack: "staging",
        rule: "istio-default-deny-per-app-namespace",
        breaks: "the default-deny policy narrowed to one workload",
        mutate: (p) => {
            p.named("mesh-singapore-authorizationpolicy-user-default-deny").inputs.spec = {
                selector: { matchLabels: { app: "user-service" } },
            };
        },
        expect: [
            [
                "istio-default-deny-per-app-namespace",
                "mesh-singapore-ns-user",
                "app namespace user in cluster singapore-k8s has no default-deny AuthorizationPolicy (spec: {} with no selector)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-no-allow-all-authorization",
        breaks: "from, to and when split into separate OR-ed rules",
        mutate: (p) => {
            const spec = p.named("mesh-singapore-authorizationpolicy-user-user-data-protection")
                .inputs.spec;
            const [rule] = spec.rules;
            spec.rules = [{ from: rule.from }, { to: rule.to }, { when: rule.when }];
        },
        expect: [
            [
                "istio-no-allow-all-authorization",
                "mesh-singapore-authorizationpolicy-user-user-data-protection",
                "rules[1] admits any caller (no source field with a concrete value) to a whole path pattern; only exact paths (e.g. /healthz) may be open to every caller, so this ALLOW policy admits every request; rules are OR-ed, so keep who (from) and what (to.paths) in the same rule",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-no-allow-all-authorization",
        breaks: "an empty rule in an ALLOW policy",
        mutate: (p) => {
            p.named(
                "mesh-tokyo-authorizationpolicy-content-allow-ingress-content-delivery",
            ).inputs.spec.rules.push({});
        },
        expect: [
            [
                "istio-no-allow-all-authorization",
                "mesh-tokyo-authorizationpolicy-content-allow-ingress-content-delivery",
                "rules[1] constrains nothing, so this ALLOW policy allows every request",
            ],
        ],
    },
    // --- security: ingress
    {
        stack: "prod",
        rule: "istio-ingress-jwt",
        breaks: "the ingress RequestAuthentication removed",
        mutate: (p) => p.remove("mesh-singapore-requestauthentication-istio-gateways-ingress-jwt"),
        expect: [
            [
                "istio-ingress-jwt",
                "mesh-singapore-ingress",
                'ingress gateway istio-ingressgateway in cluster singapore-k8s has no RequestAuthentication selecting it (namespace istio-gateways, labels {"app":"istio-ingressgateway","istio":"ingressgateway"})',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-ingress-jwt",
        breaks: "a JWKS fetched over plain http",
        mutate: (p) => {
            p.named(
                "mesh-tokyo-requestauthentication-istio-gateways-ingress-jwt",
            ).inputs.spec.jwtRules[0].jwksUri =
                "http://auth.learn.example.com/.well-known/jwks.json";
        },
        expect: [
            [
                "istio-ingress-jwt",
                "mesh-tokyo-requestauthentication-istio-gateways-ingress-jwt",
                "RequestAuthentication for ingress gateway istio-ingressgateway: jwtRules[0].jwksUri http://auth.learn.example.com/.well-known/jwks.json is not https",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-ingress-jwt",
        breaks: "the RequestAuthentication selecting other pods than the ingress gateway",
        mutate: (p) => {
            p.named(
                "mesh-singapore-requestauthentication-istio-gateways-ingress-jwt",
            ).inputs.spec.selector.matchLabels = { istio: "eastwestgateway" };
        },
        expect: [
            [
                "istio-ingress-jwt",
                "mesh-singapore-ingress",
                'ingress gateway istio-ingressgateway in cluster singapore-k8s has no RequestAuthentication selecting it (namespace istio-gateways, labels {"app":"istio-ingressgateway","istio":"ingressgateway"})',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-ingress-jwt",
        breaks: "the policy that makes the token mandatory removed (tokenless requests pass)",
        mutate: (p) =>
            p.remove("mesh-tokyo-authorizationpolicy-istio-gateways-ingress-require-jwt"),
        expect: [
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes exact /api/v1/users (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes prefix /api/v1/users/ (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes exact /api/v1/content (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes prefix /api/v1/content/ (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes exact /api/v1/exams (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
            [
                "istio-ingress-jwt",
                "mesh-tokyo-ingress",
                "ingress gateway istio-ingressgateway in cluster tokyo-k8s routes prefix /api/v1/exams/ (VirtualService public-routes) without requiring a JWT: no AuthorizationPolicy selecting it requires a token for every request to that path (DENY notRequestPrincipals or ALLOW requestPrincipals, not narrowed by methods, hosts, ports or when)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-min-tls-1-2",
        breaks: "the public gateway accepting TLS 1.1",
        mutate: (p) => {
            p.named(
                "mesh-singapore-gateway-istio-gateways-public-gateway",
            ).inputs.spec.servers[0].tls.minProtocolVersion = "TLSV1_1";
        },
        expect: [
            [
                "istio-min-tls-1-2",
                "mesh-singapore-gateway-istio-gateways-public-gateway",
                "servers[0] terminates TLS (mode SIMPLE) with minProtocolVersion TLSV1_1; set TLSV1_2 or TLSV1_3",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-min-tls-1-2",
        breaks: "istiod without meshMTLS.minProtocolVersion",
        mutate: (p) => {
            delete p.named("mesh-tokyo-istiod").inputs.values.meshConfig.meshMTLS;
        },
        expect: [
            [
                "istio-min-tls-1-2",
                "mesh-tokyo-istiod",
                "istiod values meshConfig.meshMTLS.minProtocolVersion is unset; set TLSV1_2 or TLSV1_3",
            ],
        ],
    },
    // --- security: EKS and KMS
    {
        stack: "prod",
        rule: "eks-secrets-encryption",
        breaks: "no envelope encryption of secrets",
        mutate: (p) => {
            delete p.named("singapore-eks").inputs.encryptionConfig;
        },
        expect: [
            [
                "eks-secrets-encryption",
                "singapore-eks",
                'encryptionConfig.resources must include "secrets" (envelope encryption of Kubernetes secrets)',
            ],
            [
                "eks-secrets-encryption",
                "singapore-eks",
                "encryptionConfig.provider.keyArn must name the KMS key that encrypts secrets",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "eks-private-endpoint",
        breaks: "the private endpoint off",
        mutate: (p) => {
            p.named("tokyo-eks").inputs.vpcConfig.endpointPrivateAccess = false;
        },
        expect: [
            [
                "eks-private-endpoint",
                "tokyo-eks",
                "vpcConfig.endpointPrivateAccess must be true so nodes and operators reach the API inside the VPC",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "eks-public-access-restricted",
        breaks: "the public endpoint open to 0.0.0.0/0",
        mutate: (p) =>
            Object.assign(p.named("singapore-eks").inputs.vpcConfig, {
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"],
            }),
        expect: [
            [
                "eks-public-access-restricted",
                "singapore-eks",
                "publicAccessCidrs contains 0.0.0.0/0, which opens the API server to the whole internet",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "eks-public-access-restricted",
        breaks: "endpointPublicAccess left to its AWS default (true) without CIDRs",
        mutate: (p) => {
            delete p.named("tokyo-eks").inputs.vpcConfig.endpointPublicAccess;
        },
        expect: [
            [
                "eks-public-access-restricted",
                "tokyo-eks",
                "the public endpoint is on (endpointPublicAccess defaults to true) without publicAccessCidrs, which AWS treats as 0.0.0.0/0; disable it or list allowed CIDRs",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "eks-control-plane-logs",
        breaks: "audit logs off",
        mutate: (p) => {
            p.named("singapore-eks").inputs.enabledClusterLogTypes = [
                "api",
                "authenticator",
                "controllerManager",
                "scheduler",
            ];
        },
        expect: [
            ["eks-control-plane-logs", "singapore-eks", "enabledClusterLogTypes is missing audit"],
        ],
    },
    {
        stack: "prod",
        rule: "kms-key-rotation",
        breaks: "rotation off on the backup key",
        mutate: (p) => {
            p.named("backup-tokyo-key").inputs.enableKeyRotation = false;
        },
        expect: [["kms-key-rotation", "backup-tokyo-key", "enableKeyRotation must be true"]],
    },
    // --- security: backup buckets
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "versioning suspended",
        mutate: (p) => {
            p.named("backup-singapore-versioning").inputs.versioningConfiguration.status =
                "Suspended";
        },
        expect: [
            [
                "backup-bucket-protection",
                "backup-singapore-versioning",
                "backup bucket backup-singapore: versioning (aws.s3.BucketVersioning) versioningConfiguration.status is Suspended, not Enabled",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "the versioning resource removed",
        mutate: (p) => p.remove("backup-tokyo-versioning"),
        expect: [
            [
                "backup-bucket-protection",
                "backup-tokyo",
                "backup bucket backup-tokyo has no versioning (aws.s3.BucketVersioning)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "default encryption removed",
        mutate: (p) => p.remove("backup-singapore-encryption"),
        expect: [
            [
                "backup-bucket-protection",
                "backup-singapore",
                "backup bucket backup-singapore has no default encryption (aws.s3.BucketServerSideEncryptionConfiguration)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "public policies no longer blocked",
        mutate: (p) => {
            p.named("backup-tokyo-public-access").inputs.blockPublicPolicy = false;
        },
        expect: [
            [
                "backup-bucket-protection",
                "backup-tokyo-public-access",
                "backup bucket backup-tokyo: public access block (aws.s3.BucketPublicAccessBlock) blockPublicPolicy must be true",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "the lifecycle configuration removed",
        mutate: (p) => p.remove("backup-singapore-lifecycle"),
        expect: [
            [
                "backup-bucket-protection",
                "backup-singapore",
                "backup bucket backup-singapore has no lifecycle rules (aws.s3.BucketLifecycleConfiguration)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "backups expiring after 7 days",
        mutate: (p) => {
            p.named("backup-tokyo-lifecycle").inputs.rules[0].expiration.days = 7;
        },
        expect: [
            [
                "backup-bucket-protection",
                "backup-tokyo-lifecycle",
                "backup bucket backup-tokyo: lifecycle rules (aws.s3.BucketLifecycleConfiguration) expires objects after 7 days, before the 30-day backup retention",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "one direction of the cross-region replication removed",
        mutate: (p) => p.remove("backup-singapore-to-tokyo-config"),
        expect: [
            [
                "backup-bucket-protection",
                "backup-singapore",
                "backup bucket backup-singapore has no cross-region replication (aws.s3.BucketReplicationConfig) (Velero writes backups to it, so they must replicate to another region)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-protection",
        breaks: "the replication rule disabled",
        mutate: (p) => {
            p.named("backup-tokyo-to-singapore-config").inputs.rules[0].status = "Disabled";
        },
        expect: [
            [
                "backup-bucket-protection",
                "backup-tokyo-to-singapore-config",
                "backup bucket backup-tokyo: cross-region replication (aws.s3.BucketReplicationConfig) has no Enabled rule with a destination bucket",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "backup-bucket-protection",
        breaks: "a GCS backup bucket without versioning",
        mutate: (p) => {
            p.named("backup-singapore", "storage/bucket:Bucket").inputs.versioning.enabled = false;
        },
        expect: [
            [
                "backup-bucket-protection",
                "backup-singapore",
                "backup bucket: versioning.enabled must be true",
            ],
        ],
    },
    // --- security: GKE
    {
        stack: "gcp",
        rule: "gke-private-nodes",
        breaks: "public nodes",
        mutate: (p) => {
            p.named("singapore-gke").inputs.privateClusterConfig.enablePrivateNodes = false;
        },
        expect: [
            [
                "gke-private-nodes",
                "singapore-gke",
                "privateClusterConfig.enablePrivateNodes must be true (nodes without public IPs)",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "gke-workload-identity",
        breaks: "workload identity removed",
        mutate: (p) => {
            delete p.named("tokyo-gke").inputs.workloadIdentityConfig;
        },
        expect: [
            [
                "gke-workload-identity",
                "tokyo-gke",
                "workloadIdentityConfig.workloadPool must be set (<project>.svc.id.goog)",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "gke-workload-identity",
        breaks: "a node pool exposing the node's metadata",
        mutate: (p) => {
            p.named("tokyo-workloads").inputs.nodeConfig.workloadMetadataConfig.mode =
                "GCE_METADATA";
        },
        expect: [
            [
                "gke-workload-identity",
                "tokyo-workloads",
                "nodeConfig.workloadMetadataConfig.mode is GCE_METADATA; pods would see the node's credentials. Use GKE_METADATA",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "gke-shielded-nodes",
        breaks: "secure boot off on a node pool",
        mutate: (p) => {
            p.named("singapore-system").inputs.nodeConfig.shieldedInstanceConfig.enableSecureBoot =
                false;
        },
        expect: [
            [
                "gke-shielded-nodes",
                "singapore-system",
                "nodeConfig.shieldedInstanceConfig.enableSecureBoot must be true",
            ],
        ],
    },
    // --- security: workloads
    {
        stack: "prod",
        rule: "helm-release-pinned",
        breaks: "a release without a chart version",
        mutate: (p) => {
            delete p.named("singapore-certificates-release").inputs.version;
        },
        expect: [
            [
                "helm-release-pinned",
                "singapore-certificates-release",
                "chart cert-manager has no version; pin an exact chart version",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "helm-release-pinned",
        breaks: "a release on a version range",
        mutate: (p) => {
            p.named("mesh-tokyo-istiod").inputs.version = "~1.30.0";
        },
        expect: [
            [
                "helm-release-pinned",
                "mesh-tokyo-istiod",
                'chart istiod version "~1.30.0" is not an exact version (no ranges, wildcards or tags)',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "helm-release-pinned",
        breaks: "a catalog chart at a version the catalog does not pin",
        mutate: (p) => {
            p.named("backup-singapore-velero-release").inputs.version = "12.0.0";
        },
        expect: [
            [
                "helm-release-pinned",
                "backup-singapore-velero-release",
                "chart velero from https://vmware-tanzu.github.io/helm-charts is at 12.0.0, but the reviewed catalog (lib/charts.ts) pins 12.1.0; change the catalog, not the release",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "helm-release-pinned",
        breaks: "a release without its repository",
        mutate: (p) => {
            delete p.named("backup-tokyo-velero-release").inputs.repositoryOpts;
        },
        expect: [
            [
                "helm-release-pinned",
                "backup-tokyo-velero-release",
                "chart velero has no repositoryOpts.repo; pin the chart repository",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "no-plaintext-secret-material",
        breaks: "a private key in a ConfigMap",
        mutate: (p) =>
            p.addLike(
                p.named("singapore-observability-metrics-dashboard"),
                "kubernetes:core/v1:ConfigMap",
                "leaked-key",
                {
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: { name: "leaked", namespace: "monitoring" },
                    data: { "tls.key": PEM_KEY },
                },
            ),
        expect: [
            [
                "no-plaintext-secret-material",
                "leaked-key",
                "input data.tls.key holds a PEM private key in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "no-plaintext-secret-material",
        breaks: "a remote-secret kubeconfig moved into Helm values",
        mutate: (p) => {
            p.named("mesh-singapore-istiod").inputs.values.env.REMOTE_KUBECONFIG =
                "apiVersion: v1\nusers:\n- name: reader\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6Ij\n";
        },
        expect: [
            [
                "no-plaintext-secret-material",
                "mesh-singapore-istiod",
                "input values.env.REMOTE_KUBECONFIG holds a kubeconfig with a bearer token in plaintext; pass it as a Pulumi secret or keep it in a Kubernetes Secret",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-sidecar-injection",
        breaks: "the injection label removed from an app namespace",
        mutate: (p) => {
            delete p.named("mesh-tokyo-ns-analytics").inputs.metadata.labels["istio.io/rev"];
        },
        expect: [
            [
                "istio-sidecar-injection",
                "mesh-tokyo-ns-analytics",
                "namespace analytics has no sidecar injection label (istio-injection: enabled or istio.io/rev)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-sidecar-injection",
        breaks: "an app namespace pointing at a revision no istiod serves",
        mutate: (p) => {
            p.named("mesh-singapore-ns-user").inputs.metadata.labels["istio.io/rev"] = "1-29-0";
        },
        expect: [
            [
                "istio-sidecar-injection",
                "mesh-singapore-ns-user",
                "namespace user selects istio.io/rev 1-29-0, which no istiod in cluster singapore-k8s serves (revisions: 1-30-3, 1-31-1, canary, stable); its pods would get no sidecar",
            ],
            [
                "mesh-consistency",
                "mesh-singapore-ns-user",
                "namespace user in cluster singapore selects istio.io/rev 1-29-0, which is neither a revision nor a tag there (1-30-3, 1-31-1, canary, stable); remove nothing a namespace still selects",
            ],
        ],
    },
    // --- security: mesh consistency
    {
        stack: "prod",
        rule: "mesh-consistency",
        breaks: "a remote secret removed",
        mutate: (p) => p.remove("mesh-tokyo-to-singapore-secret"),
        expect: [
            [
                "mesh-consistency",
                "mesh-singapore-istiod",
                'cluster singapore has no remote secret for tokyo (istio-remote-secret-tokyo in istio-system, label istio/multiCluster: "true")',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "mesh-consistency",
        breaks: "two meshIDs",
        mutate: (p) => {
            p.named("mesh-tokyo-istiod").inputs.values.global.meshID = "other-mesh";
        },
        expect: [
            [
                "mesh-consistency",
                "mesh-platform-prod",
                "istiod releases disagree on global.meshID: edtech-mesh, other-mesh; a multi-primary mesh has one meshID",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "mesh-consistency",
        breaks: "both clusters on one network",
        mutate: (p) => {
            p.named("mesh-tokyo-istiod").inputs.values.global.network = "network-singapore";
        },
        expect: [
            [
                "mesh-consistency",
                "mesh-platform-prod",
                "global.network network-singapore is used by more than one cluster; each cluster is its own network",
            ],
            [
                "mesh-consistency",
                "mesh-tokyo-istio-system",
                "namespace istio-system in tokyo-k8s has topology.istio.io/network network-tokyo; expected network-singapore",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "mesh-consistency",
        breaks: "a gateway selecting a tag no revision carries",
        mutate: (p) => {
            p.named("mesh-tokyo-ingress").inputs.values.revision = "canary";
        },
        expect: [
            [
                "mesh-consistency",
                "mesh-tokyo-ingress",
                "gateway istio-ingressgateway in cluster tokyo selects revision canary, which is neither a revision nor a tag there (1-30-3, stable); move the gateway first",
            ],
        ],
    },
    // --- security: Kubernetes version skew
    {
        stack: "prod",
        rule: "kubernetes-version-skew",
        breaks: "a node group newer than its control plane",
        mutate: (p) => {
            p.named("singapore-workloads", "NodeGroup").inputs.version = "1.36";
        },
        expect: [
            [
                "kubernetes-version-skew",
                "singapore-workloads",
                "node group singapore-workloads runs Kubernetes 1.36, newer than its control plane 1.35; upgrade the control plane first",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "mesh-consistency",
        breaks: "istio-system without its network label",
        mutate: (p) => {
            delete p.named("mesh-singapore-istio-system").inputs.metadata.labels[
                "topology.istio.io/network"
            ];
        },
        expect: [
            [
                "mesh-consistency",
                "mesh-singapore-istio-system",
                "namespace istio-system in singapore-k8s has topology.istio.io/network unset; expected network-singapore",
            ],
        ],
    },
    // --- cost
    {
        stack: "prod",
        rule: "istiod-sized-to-service-band",
        breaks: "an under-sized istiod (small band in a medium mesh)",
        mutate: (p) => {
            p.named("mesh-singapore-istiod").inputs.values.resources = {
                requests: { cpu: "100m", memory: "512Mi" },
                limits: { cpu: "500m", memory: "1Gi" },
            };
        },
        expect: [
            [
                "istiod-sized-to-service-band",
                "mesh-singapore-istiod",
                "values.resources.requests.cpu is 100m, expected 500m (medium band: 50-199 services; the mesh has 120)",
            ],
            [
                "istiod-sized-to-service-band",
                "mesh-singapore-istiod",
                "values.resources.requests.memory is 512Mi, expected 2Gi (medium band: 50-199 services; the mesh has 120)",
            ],
            [
                "istiod-sized-to-service-band",
                "mesh-singapore-istiod",
                "values.resources.limits.cpu is 500m, expected 1000m (medium band: 50-199 services; the mesh has 120)",
            ],
            [
                "istiod-sized-to-service-band",
                "mesh-singapore-istiod",
                "values.resources.limits.memory is 1Gi, expected 4Gi (medium band: 50-199 services; the mesh has 120)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "sidecar-resources-in-range",
        breaks: "sidecars limited to 1Gi",
        mutate: (p) => {
            p.named("mesh-tokyo-istiod").inputs.values.global.proxy.resources.limits.memory = "1Gi";
        },
        expect: [
            [
                "sidecar-resources-in-range",
                "mesh-tokyo-istiod",
                "values.global.proxy.resources.limits.memory 1Gi is outside 50Mi-256Mi",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "autoscaling-targets",
        breaks: "the ingress gateway scaling at 90 % CPU",
        mutate: (p) => {
            p.named(
                "mesh-singapore-ingress",
            ).inputs.values.autoscaling.targetCPUUtilizationPercentage = 90;
        },
        expect: [
            [
                "autoscaling-targets",
                "mesh-singapore-ingress",
                "gateway (values.autoscaling.target*UtilizationPercentage) CPU target is 90, expected 70",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "autoscaling-targets",
        breaks: "istiod without a memory target",
        mutate: (p) => {
            delete p.named("mesh-tokyo-istiod").inputs.values.memory;
        },
        expect: [
            [
                "autoscaling-targets",
                "mesh-tokyo-istiod",
                "istiod (values.cpu/memory.targetAverageUtilization) memory target is unset, expected 80",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "instance-families-allowed",
        breaks: "burstable t3 workers in prod",
        mutate: (p) => {
            p.named("singapore-workloads", "nodeGroup:NodeGroup").inputs.instanceTypes = [
                "t3.xlarge",
            ];
        },
        expect: [
            [
                "instance-families-allowed",
                "singapore-workloads",
                "instance type t3.xlarge (family t3) is not allowed here; allowed families: m6i, m6a, m7i, c6i, c7i, r6i, r7i, n2, n2d, c3",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "instance-families-allowed",
        breaks: "an e2 node pool in prod",
        mutate: (p) => {
            p.named("tokyo-workloads").inputs.nodeConfig.machineType = "e2-standard-4";
        },
        expect: [
            [
                "instance-families-allowed",
                "tokyo-workloads",
                "instance type e2-standard-4 (family e2) is not allowed here; allowed families: m6i, m6a, m7i, c6i, c7i, r6i, r7i, n2, n2d, c3",
            ],
        ],
    },
    {
        stack: "staging",
        rule: "spot-for-non-prod-workloads",
        breaks: "on-demand workers in staging",
        mutate: (p) => {
            p.named("tokyo-workloads", "nodeGroup:NodeGroup").inputs.capacityType = "ON_DEMAND";
        },
        expect: [
            [
                "spot-for-non-prod-workloads",
                "tokyo-workloads",
                "workload node group uses capacityType ON_DEMAND; use SPOT outside production",
            ],
        ],
    },
    {
        stack: "dev",
        rule: "spot-for-non-prod-workloads",
        breaks: "on-demand workers in dev (advisory there)",
        mutate: (p) => {
            delete p.named("singapore-workloads", "nodeGroup:NodeGroup").inputs.capacityType;
        },
        expect: [
            [
                "spot-for-non-prod-workloads",
                "singapore-workloads",
                "workload node group uses capacityType ON_DEMAND (default); use SPOT outside production",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "retention-periods",
        breaks: "metrics kept 15 days",
        mutate: (p) => {
            p.named(
                "singapore-observability-metrics-release",
            ).inputs.values.prometheus.prometheusSpec.retention = "15d";
        },
        expect: [
            [
                "retention-periods",
                "singapore-observability-metrics-release",
                "metrics kept 15 days (values.prometheus.prometheusSpec.retention = 15d); expected 30",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "retention-periods",
        breaks: "logs kept 30 days",
        mutate: (p) => {
            const env = p.named("tokyo-observability-logging-ilm").inputs.spec.template.spec
                .containers[0].env;
            const ilm = env.find((e: { name: string }) => e.name === "ILM_POLICY");
            ilm.value = ilm.value.replace(
                '"min_age":"7d","actions":{"delete"',
                '"min_age":"30d","actions":{"delete"',
            );
        },
        expect: [
            [
                "retention-periods",
                "tokyo-observability-logging-ilm",
                "logs kept 30 days (spec.template.spec.containers[0].env[1].value.policy.phases.delete.min_age = 30d); expected 7",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "retention-periods",
        breaks: "traces kept 14 days",
        mutate: (p) => {
            p.named(
                "singapore-observability-tracing-release",
            ).inputs.values.userconfig.extensions.jaeger_storage.backends.primary_store.badger.ttl.spans =
                "336h";
        },
        expect: [
            [
                "retention-periods",
                "singapore-observability-tracing-release",
                "traces kept 14 days (values.userconfig.extensions.jaeger_storage.backends.primary_store.badger.ttl.spans = 336h); at most 7",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "retention-periods",
        breaks: "backups kept 10 days",
        mutate: (p) => {
            p.named("backup-tokyo-velero-release").inputs.values.schedules[
                "daily-platform"
            ].template.ttl = "240h";
        },
        expect: [
            [
                "retention-periods",
                "backup-tokyo-velero-release",
                "backups kept 10 days (values.schedules.daily-platform.template.ttl = 240h); expected 30",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "trace-sampling-cap",
        breaks: "10 % trace sampling in prod (Telemetry)",
        mutate: (p) => {
            p.named(
                "mesh-singapore-telemetry-istio-system-mesh-default",
            ).inputs.spec.tracing[0].randomSamplingPercentage = 10;
        },
        expect: [
            [
                "trace-sampling-cap",
                "mesh-singapore-telemetry-istio-system-mesh-default",
                "spec.tracing[0].randomSamplingPercentage is 10 %, above the 1 % cap",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "trace-sampling-cap",
        breaks: "5 % trace sampling in prod (istiod traceSampling)",
        mutate: (p) => {
            p.named("mesh-tokyo-istiod").inputs.values.traceSampling = 5;
        },
        expect: [
            [
                "trace-sampling-cap",
                "mesh-tokyo-istiod",
                "values.traceSampling is 5 %, above the 1 % cap",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "cost-allocation-tags",
        breaks: "a NAT gateway blanking its cost-center tag (own tags override the provider's defaults)",
        mutate: (p) => {
            p.resources.find((r) => r.type === "aws:ec2/natGateway:NatGateway")!.inputs.tags[
                "cost-center"
            ] = "";
        },
        expect: [
            [
                "cost-allocation-tags",
                "singapore-nat-0",
                "missing cost-allocation tags: cost-center",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "cost-allocation-tags",
        breaks: "a GKE cluster blanking its team label",
        mutate: (p) => {
            p.named("singapore-gke").inputs.resourceLabels.team = "";
        },
        expect: [["cost-allocation-tags", "singapore-gke", "missing cost-allocation labels: team"]],
    },
    {
        stack: "prod",
        rule: "monthly-cost-budget",
        breaks: "60 workers per region",
        mutate: (p) => {
            for (const n of ["singapore-workloads", "tokyo-workloads"])
                p.named(n, "nodeGroup:NodeGroup").inputs.scalingConfig.desiredSize = 60;
        },
        expect: [
            [
                "monthly-cost-budget",
                "mesh-platform-prod",
                "estimated monthly cost $23384.35 at desired size exceeds the budget of $4000.00 for stack prod (instances $21908.76, control-planes $146.00, nat-gateways $264.99, load-balancers $89.80, storage $815.04, public-ipv4 $43.80, data-transfer $81.30, logs $33.16, backup-replication $1.50; prices of 2025-06-01)",
            ],
            [
                "monthly-cost-budget",
                "mesh-platform-prod",
                "worst-case monthly cost $23947.51 (every autoscaler at its maximum; $23384.35 at desired size) exceeds the worst-case budget of $8000.00 for stack prod: tokyo-system 3 (3-6) x m6i.large up to $543.12; singapore-system 3 (3-6) x m6i.large up to $525.60; singapore-system 3 x 50 GiB node disks up to $28.80",
            ],
        ],
    },
    // --- issue 18: classes the packs used to miss
    {
        stack: "prod",
        rule: "istio-destination-rule-mtls",
        breaks: "a DestinationRule disabling TLS to a mesh host",
        mutate: (p) => {
            p.named(
                "mesh-singapore-destinationrule-analytics-learning-analytics",
            ).inputs.spec.trafficPolicy = { tls: { mode: "DISABLE" } };
        },
        expect: [
            [
                "istio-destination-rule-mtls",
                "mesh-singapore-destinationrule-analytics-learning-analytics",
                "trafficPolicy.tls.mode DISABLE towards mesh host learning-analytics.analytics.svc.cluster.local sends plaintext, which the STRICT mesh's sidecars reject (or, with PERMISSIVE, accept unauthenticated); remove it (Istio uses ISTIO_MUTUAL automatically) or set ISTIO_MUTUAL",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "node-launch-template-hardening",
        breaks: "IMDSv1 allowed on a node launch template",
        mutate: (p) => {
            p.named(
                "tokyo-system",
                "launchTemplate:LaunchTemplate",
            ).inputs.metadataOptions.httpTokens = "optional";
        },
        expect: [
            [
                "node-launch-template-hardening",
                "tokyo-system",
                'metadataOptions.httpTokens is optional; set "required" (IMDSv2 only: IMDSv1 answers any unauthenticated GET)',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "eks-api-security-group-not-world-open",
        breaks: "the API security group open to ::/0",
        mutate: (p) => {
            const r = p.named("tokyo-api-10-0-0-0-16");
            delete r.inputs.cidrIpv4;
            r.inputs.cidrIpv6 = "::/0";
        },
        expect: [
            [
                "eks-api-security-group-not-world-open",
                "tokyo-api-10-0-0-0-16",
                "rule tokyo-api-10-0-0-0-16 admits ::/0 to port 443 of tokyo-api, a security group of an EKS cluster: the API server is open to the internet",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "eastwest-gateway-internal",
        breaks: "the east-west gateway's internal load balancer annotation removed",
        mutate: (p) => {
            delete p.named("mesh-singapore-eastwest").inputs.values.service.annotations[
                "networking.gke.io/load-balancer-type"
            ];
        },
        expect: [
            [
                "eastwest-gateway-internal",
                "mesh-singapore-eastwest",
                "east-west gateway mesh-singapore-eastwest gets an internet-facing load balancer: its values.service.annotations do not make it internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal, networking.gke.io/load-balancer-type: Internal); the peered networks reach it privately",
            ],
        ],
    },
    {
        stack: "staging",
        rule: "instance-size-ceiling",
        breaks: "an m6i.4xlarge in a staging launch template",
        mutate: (p) => {
            p.named("tokyo-system", "launchTemplate:LaunchTemplate").inputs.instanceType =
                "m6i.4xlarge";
        },
        expect: [
            [
                "instance-size-ceiling",
                "tokyo-system",
                "instance type m6i.4xlarge (16 vCPUs) is above this environment's ceiling of 8 vCPUs; use a smaller size or more nodes",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "provider-default-tags",
        breaks: "a provider without defaultTags",
        mutate: (p) => {
            delete p.named("aws-singapore", "providers:aws").inputs.defaultTags;
        },
        expect: [
            [
                "provider-default-tags",
                "aws-singapore",
                "AWS provider defaultTags.tags lacks team, cost-center, environment; set them on the provider so every resource it manages carries them",
            ],
        ],
    },
    {
        stack: "dev",
        rule: "cost-estimate-complete",
        breaks: "an unpriced region-less NAT gateway (advisory in every environment)",
        mutate: (p) => {
            const nat = p.resources.find((r) => r.type === "aws:ec2/natGateway:NatGateway")!;
            delete nat.provider;
        },
        expect: [
            [
                "cost-estimate-complete",
                "singapore-nat-0",
                "cost estimate is incomplete: singapore-nat-0 (region unknown); the budget check leaves it out",
            ],
        ],
    },
    // --- security: identity, retries, egress (rules/identity.ts; more rows in identity.test.ts)
    {
        stack: "staging",
        rule: "istio-no-header-identity",
        breaks: "user-data-protection on the guide's x-user-role header",
        mutate: (p) => {
            p.named(
                "mesh-singapore-authorizationpolicy-user-user-data-protection",
            ).inputs.spec.rules[0].when = [
                { key: "request.headers[x-user-role]", values: ["admin"] },
            ];
        },
        expect: [
            [
                "istio-no-header-identity",
                "mesh-singapore-authorizationpolicy-user-user-data-protection",
                "rules[0].when[0] grants access on the value of header x-user-role, which any caller can set; authorize on a JWT claim (request.auth.claims[...]) validated by a RequestAuthentication instead",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-jwt-claims-validated",
        breaks: "user-service's RequestAuthentication removed",
        mutate: (p) => p.remove("mesh-tokyo-requestauthentication-user-jwt-user-service"),
        expect: [
            [
                "istio-jwt-claims-validated",
                "mesh-tokyo-authorizationpolicy-user-user-data-protection",
                'ALLOW policy in user reads JWT claims, but no RequestAuthentication selects its workload ({"app":"user-service"}); every request would be denied. Declare one with the issuer\'s jwtRules',
            ],
        ],
    },
    {
        stack: "prod",
        rule: "istio-no-retry-of-non-idempotent",
        breaks: "the guide's 5xx retries on every method of exam-service",
        mutate: (p) => {
            const vs = p.named("mesh-singapore-virtualservice-assessment-exam-service").inputs.spec;
            vs.http = [{ route: vs.http[0].route, retries: vs.http[0].retries }];
        },
        expect: [
            [
                "istio-no-retry-of-non-idempotent",
                "mesh-singapore-virtualservice-assessment-exam-service",
                "http[0] retries POST and PATCH requests on 5xx, gateway-error, which repeats a request the upstream may have processed; match the idempotent methods for these retries and give the rest retryOn: connect-failure,refused-stream (or attempts: 0)",
            ],
        ],
    },
    {
        stack: "gcp",
        rule: "istio-egress-allowlist",
        breaks: "a ServiceEntry for a host prod does not allow",
        mutate: (p) => {
            p.named(
                "egress-singapore-serviceentry-user-egress-auth-learn-example-com-443",
            ).inputs.spec.hosts = ["pay.example.net"];
        },
        expect: [
            [
                "istio-egress-allowlist",
                "egress-singapore-serviceentry-user-egress-auth-learn-example-com-443",
                "pay.example.net:443 is not an allowed external destination in this environment; allowed: auth.learn.example.com:443 (policy config istio-egress-allowlist.hosts)",
            ],
        ],
    },
    // --- security: secrets, backups and node volumes (more cases: tests/policies/secrets.test.ts)
    {
        stack: "prod",
        rule: "mesh-ca-material-vault",
        breaks: "no resource policy on the CA secret",
        mutate: (p) => p.remove("mesh-ca-vault-policy"),
        expect: [
            [
                "mesh-ca-material-vault",
                "mesh-ca-vault-secret",
                "CA secret without a resource policy (aws.secretsmanager.SecretPolicy) that denies every principal but the deployers and break-glass",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "backup-bucket-access-logging",
        breaks: "no server access logging on one backup bucket",
        mutate: (p) => p.remove("s3-access-logs-tokyo-delivery"),
        expect: [
            [
                "backup-bucket-access-logging",
                "backup-tokyo",
                "backup bucket backup-tokyo has no server access logging (aws.s3.BucketLogging)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "velero-repository-password",
        breaks: "no repository password Secret for Velero",
        mutate: (p) => p.remove("backup-singapore-velero-repo-credentials"),
        expect: [
            [
                "velero-repository-password",
                "backup-singapore-velero-release",
                "Velero release backup-singapore-velero-release has no repository password Secret velero-repo-credentials in velero: Velero would create one with its built-in password",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "launch-template-volume-kms",
        breaks: "a launch template volume without kmsKeyId",
        mutate: (p) => {
            delete p.named("tokyo-workloads", "LaunchTemplate").inputs.blockDeviceMappings[0].ebs
                .kmsKeyId;
        },
        expect: [
            [
                "launch-template-volume-kms",
                "tokyo-workloads",
                "blockDeviceMappings[0].ebs.kmsKeyId must name a customer-managed KMS key (its policy must admit AWSServiceRoleForAutoScaling)",
            ],
        ],
    },
    // --- security: the access matrix (more cases: tests/access)
    {
        stack: "prod",
        rule: "access-matrix",
        breaks: "content-delivery admitted to user-service's data paths",
        mutate: (p) => {
            p.named(
                "mesh-singapore-authorizationpolicy-user-user-data-protection",
            ).inputs.spec.rules[0].from[0].source.principals.push(
                "cluster.local/ns/content/sa/content-delivery",
            );
        },
        expect: [
            [
                "access-matrix",
                "mesh-platform-prod",
                "[mesh] cluster.local/ns/content/sa/content-delivery (singapore) — another service | GET /api/v1/users/42 | user/user-service: expected deny, got allow (ALLOW user/user-data-protection rule 0)",
            ],
        ],
    },
    {
        stack: "prod",
        rule: "access-matrix",
        breaks: "Grafana's IRSA trust widened to every service account of monitoring",
        mutate: (p) => {
            const role = p.named("singapore-grafana-identity-role", "Role");
            role.inputs.assumeRolePolicy = String(role.inputs.assumeRolePolicy)
                .replace('"StringEquals"', '"StringLike"')
                .replace(
                    "system:serviceaccount:monitoring:kube-prometheus-stack-grafana",
                    "system:serviceaccount:monitoring:*",
                );
        },
        expect: [
            [
                "access-matrix",
                "mesh-platform-prod",
                "[iam] every other service account of singapore (8) | sts:AssumeRoleWithWebIdentity | singapore-grafana-identity-role: expected deny, got allow (system:serviceaccount:monitoring:default admitted; system:serviceaccount:monitoring:kube-prometheus-stack-prometheus-singapore admitted)",
            ],
        ],
    },
];

function evaluateRow(
    row: Row,
    resources: readonly PlanResource[],
    environment: Env,
): PolicyViolation[] {
    const plan = new Plan(structuredClone(resources) as Mutable[]);
    row.mutate(plan);
    // The access matrix re-proves many of these links (a world-open API, a widened principal); its
    // findings are checked by its own rows and by tests/access, so the other rows compare only theirs.
    return evaluatePolicies(plan.resources, { stack: row.stack, environment }).filter((v) =>
        row.rule === ACCESS_MATRIX
            ? !v.message.startsWith("can't run policy") // what a first preview cannot prove yet
            : v.policyName !== ACCESS_MATRIX,
    );
}

const ACCESS_MATRIX = "access-matrix";

const rowsFound = (violations: readonly PolicyViolation[]) =>
    violations.map((v) => [v.policyName, short(v.urn), v.message]);

describe("policies: mutations of the committed stacks' plans", function () {
    this.timeout(300000);

    it("cover every policy of both packs", () => {
        const all = PACKS.flatMap((p) => p.policies.map((x) => x.name)).sort();
        assert.deepStrictEqual([...new Set(ROWS.map((r) => r.rule))].sort(), all);
    });

    for (const row of ROWS) {
        it(`${row.stack}: ${row.rule} catches: ${row.breaks}`, async () => {
            const { resources, environment } = await planOf(row.stack);
            const violations = evaluateRow(row, resources, environment);
            assert.ok(
                row.expect.some(([policy]) => policy === row.rule),
                "the row must expect its own rule",
            );
            assert.deepStrictEqual(
                rowsFound(violations),
                row.expect.map((e) => [...e]),
            );
            assert.deepStrictEqual(
                [...new Set(violations.map((v) => v.enforcementLevel))],
                [levelOf(environment)],
            );
        });
    }

    it("mutates a copy: the recorded plan itself still passes", async () => {
        const { resources, environment } = await planOf("prod");
        assert.deepStrictEqual(evaluatePolicies(resources, { stack: "prod", environment }), []);
    });
});

describe("policies: the same mutations in a first preview, where values computed by other resources are unknown", function () {
    this.timeout(300000);

    for (const stack of ["prod", "gcp", "staging", "dev"] as const) {
        it(`${stack}: the unmutated first preview reports nothing, not even "can't run during preview"`, async () => {
            const { resources, environment } = await planOf(stack, "first-preview");
            assert.ok(
                resources.filter((r) => strings(r.inputs).includes(UNKNOWN)).length > 20,
                "the simulation blanks computed inputs",
            );
            const found = evaluatePolicies(resources, { stack, environment });
            assert.deepStrictEqual(
                rowsFound(found.filter((v) => v.policyName !== ACCESS_MATRIX)),
                [],
            );
            // The access matrix alone says what it cannot prove yet, as the SDK's advisory.
            for (const v of found.filter((x) => x.policyName === ACCESS_MATRIX)) {
                assert.equal(v.enforcementLevel, "advisory");
                assert.match(
                    v.message,
                    /^can't run policy 'access-matrix' from policy pack '[a-z-]+' during preview: /,
                );
            }
        });
    }

    // The access matrix reads inputs through the SDK's unknown-checking proxy and stops at the first
    // unknown one of a first preview, saying which (asserted above); its rows run on recorded plans.
    for (const row of ROWS.filter((r) => r.rule !== ACCESS_MATRIX)) {
        it(`${row.stack}: ${row.rule} still catches: ${row.breaks}`, async () => {
            const { resources, environment } = await planOf(row.stack, "first-preview");
            const violations = evaluateRow(row, resources, environment);
            assert.deepStrictEqual(
                rowsFound(violations),
                row.expect.map((e) => [...e]),
            );
            assert.deepStrictEqual(
                [...new Set(violations.map((v) => v.enforcementLevel))],
                [levelOf(environment)],
            );
        });
    }
});
