/**
 * GCP in the access matrix: IAM allow policies and the network paths the program declares.
 *
 * IAM: allow-only, a union of bindings over the resource hierarchy. A principal holds a permission
 * on a resource when some binding on the resource or on an ancestor (bucket/secret/crypto key/key
 * ring/managed zone/service account -> project) names one of its identities with a role whose pinned
 * permissions (./gcp-roles.ts) include it. Bindings come from the `*IAMMember`, `*IAMBinding` and
 * `*IAMPolicy` resources of projects, buckets, Secret Manager secrets, KMS keys and key rings, Cloud
 * DNS managed zones and service accounts. A GKE Kubernetes service account is the principal
 * `serviceAccount:<pool>[<ns>/<ksa>]` (the same principal in every cluster of the pool) and also
 * acts as every Google service account it holds `iam.serviceAccounts.getAccessToken` on.
 * CMEK does not gate the caller: the service agent uses the key, the caller needs only the
 * service's own permission (e.g. `secretmanager.versions.access`).
 *
 * Network: firewall rules (priority, allow/deny, source ranges, ports), VPC peering (both halves),
 * the east-west internal load balancer (global access, source ranges), master authorized networks
 * and the Cloud NAT path istiod takes to the peer's public control-plane endpoint.
 * What it leaves out: docs/decisions.md ("Access matrix", GCP).
 */
import { GCP_ROLES, roleGrants } from "./gcp-roles";
import { CA_PATTERN } from "./iam";
import {
    type AccessResource,
    type AccessRow,
    arr,
    cidrContains,
    isUnknown,
    labelOf,
    policyDoc,
    rec,
    refersTo,
    type SkippedCheck,
    str,
} from "./model";
import { lbAdmits, type LbService } from "./network";

type Push = (row: Omit<AccessRow, "result" | "why"> & { allowed: boolean; why: string[] }) => void;

/** A public address outside every declared network, standing for "the internet" (as in ./expectations). */
const INTERNET = "198.18.7.7";

export type ScopeKind =
    "project" | "bucket" | "secret" | "cryptoKey" | "keyRing" | "managedZone" | "serviceAccount";

export interface GcpBinding {
    readonly scope: ScopeKind;
    /** The reference the IAM resource names (project id, bucket name, secret id, key id, ...). */
    readonly ref: string;
    readonly role: string;
    readonly members: readonly string[];
    readonly conditional: boolean;
    readonly via: string;
}

const IAM_TYPES: readonly [RegExp, ScopeKind, string][] = [
    [/^gcp:projects\/iAM(Member|Binding|Policy):/, "project", "project"],
    [/^gcp:storage\/bucketIAM(Member|Binding|Policy):/, "bucket", "bucket"],
    [/^gcp:secretmanager\/secretIam(Member|Binding|Policy):/, "secret", "secretId"],
    [/^gcp:kms\/cryptoKeyIAM(Member|Binding|Policy):/, "cryptoKey", "cryptoKeyId"],
    [/^gcp:kms\/keyRingIAM(Member|Binding|Policy):/, "keyRing", "keyRingId"],
    [/^gcp:dns\/dnsManagedZoneIam(Member|Binding|Policy):/, "managedZone", "managedZone"],
    [/^gcp:serviceaccount\/iAM(Member|Binding|Policy):/, "serviceAccount", "serviceAccountId"],
];

/** One node of a resource's ancestry: which bindings apply to it. */
export interface Scope {
    readonly kind: ScopeKind;
    readonly matches: (ref: string) => boolean;
    readonly label: string;
}

export interface GcpModel {
    readonly bindings: GcpBinding[];
    readonly resources: readonly AccessResource[];
    readonly byUrn: ReadonlyMap<string, AccessResource>;
    /** Roles granted somewhere in the plan that ./gcp-roles.ts does not pin. */
    readonly unpinned: Map<string, string>;
}

export function buildGcp(resources: readonly AccessResource[], skipped: SkippedCheck[]): GcpModel {
    const bindings: GcpBinding[] = [];
    const unpinned = new Map<string, string>();
    for (const r of resources) {
        const t = IAM_TYPES.find(([re]) => re.test(r.type));
        if (!t) continue;
        const [, scope, refKey] = t;
        try {
            const ref = str(r.props[refKey]);
            const add = (role: string, members: string[], condition: unknown) => {
                if (!GCP_ROLES[role]) unpinned.set(role, `${r.type.split(":").pop()} ${r.name}`);
                bindings.push({
                    scope,
                    ref,
                    role,
                    members,
                    conditional: !!condition && Object.keys(rec(condition)).length > 0,
                    via: `${r.type.split(":").pop()} ${r.name} (${role})`,
                });
            };
            if (/Member:/.test(r.type))
                add(str(r.props.role), [str(r.props.member)], r.props.condition);
            else if (/Binding:/.test(r.type))
                add(str(r.props.role), arr(r.props.members).map(str), r.props.condition);
            else
                for (const b of arr(rec(policyDoc(r.props.policyData)).bindings).map(rec))
                    add(str(b.role), arr(b.members).map(str), b.condition);
        } catch (e) {
            if (!isUnknown(e)) throw e;
            skipped.push({
                kind: "iam",
                what: `${r.type} ${r.name}`,
                reason: (e as Error).message,
            });
        }
    }
    return { bindings, resources, byUrn: new Map(resources.map((r) => [r.urn, r])), unpinned };
}

const projectScope = (project: string): Scope => ({
    kind: "project",
    matches: (ref) => ref === project || ref === `projects/${project}`,
    label: `project ${project}`,
});

/** A principal's identities: the member strings bindings may name for it. */
export interface Principal {
    readonly label: string;
    readonly members: readonly string[];
}

const memberNames = (m: string, p: Principal) =>
    m === "allUsers" || m === "allAuthenticatedUsers" || p.members.includes(m);

/** Can `p` (any of its identities) use `permission` on the resource whose ancestry is `chain`? */
export function gcpCan(
    model: GcpModel,
    p: Principal,
    permission: string,
    chain: readonly Scope[],
): { allowed: boolean; why: string[] } {
    const hits: string[] = [];
    for (const b of model.bindings) {
        const at = chain.find((s) => s.kind === b.scope && s.matches(b.ref));
        if (!at) continue;
        const who = b.members.find((m) => memberNames(m, p));
        if (!who) continue;
        if (roleGrants(b.role, permission) !== true) continue;
        hits.push(
            `${b.via} on ${at.label} for ${who}${b.conditional ? " (conditional: counted as granting)" : ""}`,
        );
    }
    return hits.length > 0
        ? { allowed: true, why: hits }
        : {
              allowed: false,
              why: [`no binding on ${chain.map((s) => s.label).join(" -> ")} grants ${permission}`],
          };
}

interface Gsa {
    readonly r: AccessResource;
    readonly email: string;
    readonly label: string;
    readonly project: string;
}

interface Ksa {
    readonly pool: string;
    readonly ns: string;
    readonly name: string;
}

function gsas(model: GcpModel): Gsa[] {
    return model.resources
        .filter((r) => r.type === "gcp:serviceaccount/account:Account")
        .map((r) => {
            const project = str(r.props.project);
            return {
                r,
                email: `${str(r.props.accountId)}@${project}.iam.gserviceaccount.com`,
                label: labelOf(r, model.byUrn),
                project,
            };
        });
}

const gsaScope = (g: Gsa): Scope => ({
    kind: "serviceAccount",
    matches: (ref) => ref === g.email || ref.endsWith(`/serviceAccounts/${g.email}`),
    label: `service account ${g.email}`,
});

/** The Kubernetes service accounts the plan's bindings name through a workload pool. */
function ksas(model: GcpModel): Ksa[] {
    const out = new Map<string, Ksa>();
    for (const b of model.bindings)
        for (const m of b.members) {
            const x = /^serviceAccount:([^[\]]+\.svc\.id\.goog)\[([^/\]]+)\/([^\]]+)\]$/.exec(m);
            if (x) out.set(m, { pool: x[1], ns: x[2], name: x[3] });
        }
    return [...out.values()].sort((a, b) => `${a.ns}/${a.name}`.localeCompare(`${b.ns}/${b.name}`));
}

/** A KSA's identities: itself (both member syntaxes) and every GSA it may mint tokens for. */
function ksaPrincipal(
    model: GcpModel,
    k: Ksa,
    label: string,
): Principal & { via: string[]; gsaLabels: string[] } {
    const self = `serviceAccount:${k.pool}[${k.ns}/${k.name}]`;
    const direct: Principal = { label, members: [self] };
    const members = [self];
    const via: string[] = [];
    const gsaLabels: string[] = [];
    for (const g of gsas(model)) {
        const c = gcpCan(model, direct, "iam.serviceAccounts.getAccessToken", [
            gsaScope(g),
            projectScope(g.project),
        ]);
        if (c.allowed) {
            members.push(`serviceAccount:${g.email}`);
            via.push(`acts as ${g.email}: ${c.why[0]}`);
            gsaLabels.push(g.label);
        }
    }
    // principal:// members of Workload Identity Federation for GKE name the same KSA.
    const suffix = `/workloadIdentityPools/${k.pool}/subject/ns/${k.ns}/sa/${k.name}`;
    for (const b of model.bindings)
        for (const m of b.members)
            if (m.startsWith("principal://") && m.endsWith(suffix) && !members.includes(m))
                members.push(m);
    return { label, members, via, gsaLabels };
}

interface Cluster {
    readonly r: AccessResource;
    readonly label: string;
    readonly name: string;
    readonly pool: string;
    readonly network: AccessResource | undefined;
}

function clusters(model: GcpModel): Cluster[] {
    const nets = model.resources.filter((r) => r.type === "gcp:compute/network:Network");
    return model.resources
        .filter((r) => r.type === "gcp:container/cluster:Cluster")
        .map((r) => ({
            r,
            label: labelOf(r, model.byUrn),
            name: str(r.props.name) || r.name,
            pool: str(rec(r.props.workloadIdentityConfig).workloadPool),
            network: nets.find((n) => refersTo(str(r.props.network), n)),
        }));
}

interface CaStore {
    readonly description: string;
    readonly permission: string;
    readonly chain: Scope[];
}

function caStores(model: GcpModel): CaStore[] {
    const out: CaStore[] = [];
    const buckets = model.resources.filter((r) => r.type === "gcp:storage/bucket:Bucket");
    for (const o of model.resources.filter(
        (r) => r.type === "gcp:storage/bucketObject:BucketObject",
    )) {
        if (!CA_PATTERN.test(str(o.props.name)) && !CA_PATTERN.test(o.name)) continue;
        const b = buckets.find((x) => refersTo(str(o.props.bucket), x));
        const project = str(b?.props.project);
        out.push({
            description: `gs://${b?.name ?? str(o.props.bucket)}/${str(o.props.name)}`,
            permission: "storage.objects.get",
            chain: [
                {
                    kind: "bucket",
                    matches: (ref) => (b ? refersTo(ref, b) : ref === str(o.props.bucket)),
                    label: `bucket ${b?.name ?? str(o.props.bucket)}`,
                },
                projectScope(project),
            ],
        });
    }
    for (const s of model.resources.filter((r) => r.type === "gcp:secretmanager/secret:Secret")) {
        const id = str(s.props.secretId);
        const labels = Object.values(rec(s.props.labels)).map(str).join(" ");
        if (!CA_PATTERN.test(id) && !CA_PATTERN.test(s.name) && !CA_PATTERN.test(labels)) continue;
        const project = str(s.props.project);
        out.push({
            description: `secret ${id || s.name}`,
            permission: "secretmanager.versions.access",
            chain: [
                {
                    kind: "secret",
                    matches: (ref) =>
                        (!!id && (ref === id || ref.endsWith(`/secrets/${id}`))) ||
                        refersTo(ref, s),
                    label: `secret ${id || s.name}`,
                },
                projectScope(project),
            ],
        });
    }
    return out;
}

/** IAM rows of the GCP part of a plan (none when it declares no GKE cluster or GCP IAM). */
export function gcpIamRows(model: GcpModel, push: Push): void {
    const cl = clusters(model);
    if (cl.length === 0 && model.bindings.length === 0) return;
    for (const [role, where] of model.unpinned)
        push({
            kind: "iam",
            subject: where,
            action: "evaluate granted GCP role",
            resource: role,
            expect: "allow",
            allowed: false,
            why: [`no pinned permissions in policies/access/gcp-roles.ts for ${role}`],
        });
    const stores = caStores(model);
    const ks = ksas(model);
    const buckets = model.resources.filter((r) => r.type === "gcp:storage/bucket:Bucket");
    const backupBucket = (label: string) =>
        buckets.find((b) => labelOf(b, model.byUrn) === label && /backup|velero/i.test(b.name));
    const bucketChain = (b: AccessResource): Scope[] => [
        { kind: "bucket", matches: (ref) => refersTo(ref, b), label: `bucket ${b.name}` },
        projectScope(str(b.props.project)),
    ];

    // The KSA's own cluster's GSA (the one the component made for it), for the subject label.
    for (const c of cl) {
        // A service account the program gives no identity (default/default) acts as no GSA.
        if (c.pool) {
            const d = ksaPrincipal(model, { pool: c.pool, ns: "default", name: "default" }, "");
            push({
                kind: "iam",
                subject: `default/default (${c.label})`,
                action: "iam.serviceAccounts.getAccessToken (act as a Google service account)",
                resource: "every Google service account of the plan",
                expect: "deny",
                allowed: d.via.length > 0,
                why: d.via.length > 0 ? d.via : [`no binding names ${c.pool}[default/default]`],
            });
        }
        for (const k of ks.filter((x) => x.pool === c.pool)) {
            const p = ksaPrincipal(model, k, `${k.ns}/${k.name} (${c.label})`);
            // A KSA lives in the clusters of the pool whose components made a GSA for it (velero-<region>
            // in its region only); one that no such cluster's GSA trusts is checked in every cluster.
            const homes = p.gsaLabels.filter((l) =>
                cl.some((x) => x.pool === c.pool && x.label === l),
            );
            if (homes.length > 0 && !homes.includes(c.label)) continue;
            // Mesh root CA material: no cluster identity may read it.
            if (stores.length > 0) {
                const why: string[] = [];
                for (const s of stores) {
                    const d = gcpCan(model, p, s.permission, s.chain);
                    if (d.allowed) why.push(`${s.description}: ${d.why.join("; ")}`);
                }
                push({
                    kind: "iam",
                    subject: p.label,
                    action: "read mesh root CA private key",
                    resource: stores.map((s) => s.description).join(", "),
                    expect: "deny",
                    allowed: why.length > 0,
                    why:
                        why.length > 0
                            ? [...why, ...p.via]
                            : [`none of ${stores.length} CA store(s) readable`],
                });
            }
            // Velero: its own bucket read/write, the peer's bucket read, never the peer's bucket write.
            // (`velero`, or `velero-<region>` where clusters share a workload pool).
            if (k.ns === "velero" && /^velero(-[a-z0-9-]+)?$/.test(k.name)) {
                const own = backupBucket(c.label);
                const peers = cl.filter((x) => x !== c).map((x) => backupBucket(x.label));
                const cases: [string, AccessResource | undefined, string, "allow" | "deny"][] = [
                    ["write own bucket", own, "storage.objects.create", "allow"],
                    ["read own bucket", own, "storage.objects.get", "allow"],
                    ["list own bucket", own, "storage.objects.list", "allow"],
                    ...peers.flatMap(
                        (b): [string, AccessResource | undefined, string, "allow" | "deny"][] => [
                            ["read the peer's bucket", b, "storage.objects.get", "allow"],
                            ["write the peer's bucket", b, "storage.objects.create", "deny"],
                            ["delete in the peer's bucket", b, "storage.objects.delete", "deny"],
                        ],
                    ),
                ];
                for (const [action, b, perm, expect] of cases) {
                    const d = b
                        ? gcpCan(model, p, perm, bucketChain(b))
                        : { allowed: false, why: ["backup bucket not in the plan"] };
                    push({
                        kind: "iam",
                        subject: p.label,
                        action: `${action} (${perm})`,
                        resource: b ? `gs://${b.name}` : "?",
                        expect,
                        allowed: d.allowed,
                        why: d.allowed && expect === "deny" ? [...d.why, ...p.via] : d.why,
                    });
                }
            }
            // Grafana: reads Cloud Monitoring, nothing of the backups; only its own KSA acts as its GSA.
            if (k.ns === "monitoring" && /grafana/.test(k.name))
                grafanaGcpRows(model, c, k, p, ks, buckets, push);
            // cert-manager: records only in the platform's managed zone.
            if (k.ns === "cert-manager" && k.name === "cert-manager") {
                const zones = model.resources
                    .filter(
                        (r) =>
                            r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer" &&
                            labelOf(r, model.byUrn) === c.label,
                    )
                    .flatMap((r) => arr(rec(rec(r.props.spec).acme).solvers))
                    .map((s) => rec(rec(rec(s).dns01).cloudDNS))
                    .filter((s) => str(s.hostedZoneName));
                const seen = new Set<string>();
                for (const z of zones) {
                    const zone = str(z.hostedZoneName);
                    const project = str(z.project);
                    if (seen.has(`${project}/${zone}`)) continue;
                    seen.add(`${project}/${zone}`);
                    const zoneChain = (name: string): Scope[] => [
                        {
                            kind: "managedZone",
                            matches: (ref) => ref === name || ref.endsWith(`/managedZones/${name}`),
                            label: `managed zone ${name}`,
                        },
                        projectScope(project),
                    ];
                    const both = (chain: Scope[]) => {
                        const a = gcpCan(model, p, "dns.changes.create", chain);
                        const b = gcpCan(model, p, "dns.resourceRecordSets.create", chain);
                        return {
                            allowed: a.allowed && b.allowed,
                            why: [...new Set([...a.why, ...b.why])],
                        };
                    };
                    const mine = both(zoneChain(zone));
                    push({
                        kind: "iam",
                        subject: `cert-manager/cert-manager (${c.label})`,
                        action: "dns.changes.create + dns.resourceRecordSets.create (TXT)",
                        resource: `managed zone ${project}/${zone}`,
                        expect: "allow",
                        allowed: mine.allowed,
                        why: mine.why,
                    });
                    const other = both(zoneChain("other-zone-example"));
                    push({
                        kind: "iam",
                        subject: `cert-manager/cert-manager (${c.label})`,
                        action: "dns.changes.create + dns.resourceRecordSets.create (TXT)",
                        resource: `any other managed zone of ${project}`,
                        expect: "deny",
                        allowed: other.allowed,
                        why: other.allowed
                            ? [
                                  ...other.why,
                                  "project-level role: every managed zone of the project",
                              ]
                            : other.why,
                    });
                }
            }
        }
        // The node service account: reachable from a compromised node or a hostNetwork pod.
        const pools = model.resources.filter(
            (r) =>
                r.type === "gcp:container/nodePool:NodePool" && refersTo(str(r.props.cluster), c.r),
        );
        const nodeSas = [
            ...new Set(pools.map((np) => str(rec(np.props.nodeConfig).serviceAccount))),
        ].filter(Boolean);
        for (const email of nodeSas) {
            const p: Principal = {
                label: `${email} (node SA, ${c.label})`,
                members: [`serviceAccount:${email}`],
            };
            if (stores.length > 0) {
                const why = stores.flatMap((s) => {
                    const d = gcpCan(model, p, s.permission, s.chain);
                    return d.allowed ? [`${s.description}: ${d.why.join("; ")}`] : [];
                });
                push({
                    kind: "iam",
                    subject: p.label,
                    action: "read mesh root CA private key",
                    resource: stores.map((s) => s.description).join(", "),
                    expect: "deny",
                    allowed: why.length > 0,
                    why: why.length > 0 ? why : [`none of ${stores.length} CA store(s) readable`],
                });
            }
        }
        // Pods to the node service account through the metadata server (GKE_METADATA hides it).
        for (const np of pools) {
            const mode = str(rec(rec(np.props.nodeConfig).workloadMetadataConfig).mode);
            push({
                kind: "network",
                subject: "pods on non-host network",
                action: "metadata server credentials of the node service account",
                resource: `node pool ${np.name}`,
                expect: "deny",
                allowed: mode !== "GKE_METADATA",
                why: [`workloadMetadataConfig.mode ${mode || "(unset: GCE_METADATA)"}`],
            });
        }
    }
}

/**
 * Grafana's KSA: `monitoring.timeSeries.list` on the cluster's project (its Cloud Monitoring data
 * source), no object of any backup or Thanos bucket, and its Google service account usable by that
 * KSA alone (not the peer cluster's Grafana, not another KSA of the pool, not monitoring/default).
 */
function grafanaGcpRows(
    model: GcpModel,
    c: Cluster,
    k: Ksa,
    p: Principal,
    ks: readonly Ksa[],
    buckets: readonly AccessResource[],
    push: Push,
): void {
    const project = c.pool.replace(/\.svc\.id\.goog$/, "");
    const read = gcpCan(model, p, "monitoring.timeSeries.list", [projectScope(project)]);
    push({
        kind: "iam",
        subject: p.label,
        action: "read Cloud Monitoring time series (monitoring.timeSeries.list)",
        resource: `project ${project}`,
        expect: "allow",
        allowed: read.allowed,
        why: read.why,
    });
    for (const b of buckets.filter((x) => /backup|velero|thanos/i.test(x.name))) {
        const chain: Scope[] = [
            { kind: "bucket", matches: (ref) => refersTo(ref, b), label: `bucket ${b.name}` },
            projectScope(str(b.props.project)),
        ];
        const get = gcpCan(model, p, "storage.objects.get", chain);
        const list = gcpCan(model, p, "storage.objects.list", chain);
        push({
            kind: "iam",
            subject: p.label,
            action: "read objects (storage.objects.get / storage.objects.list)",
            resource: `gs://${b.name}`,
            expect: "deny",
            allowed: get.allowed || list.allowed,
            why: [...new Set([...get.why, ...list.why])],
        });
    }
    const self: Principal = {
        label: p.label,
        members: [`serviceAccount:${k.pool}[${k.ns}/${k.name}]`],
    };
    const token = (who: Principal, g: Gsa) =>
        gcpCan(model, who, "iam.serviceAccounts.getAccessToken", [
            gsaScope(g),
            projectScope(g.project),
        ]);
    const own = gsas(model).filter((g) => token(self, g).allowed);
    push({
        kind: "iam",
        subject: p.label,
        action: "iam.serviceAccounts.getAccessToken (act as its Google service account)",
        resource: own.map((g) => g.email).join(", ") || "(none)",
        expect: "allow",
        allowed: own.length === 1,
        why:
            own.length === 1
                ? token(self, own[0]).why
                : [`acts as ${own.length} Google service accounts (expected exactly one)`],
    });
    const others = [
        ...ks.filter((x) => x.pool === k.pool && !(x.ns === k.ns && x.name === k.name)),
        { pool: k.pool, ns: "monitoring", name: "default" },
    ];
    for (const g of own) {
        const admitted = others.filter(
            (o) =>
                token({ label: "", members: [`serviceAccount:${o.pool}[${o.ns}/${o.name}]`] }, g)
                    .allowed,
        );
        push({
            kind: "iam",
            subject: `every Kubernetes service account of ${k.pool} but ${k.ns}/${k.name} (${others.length})`,
            action: "iam.serviceAccounts.getAccessToken",
            resource: `service account ${g.email}`,
            expect: "deny",
            allowed: admitted.length > 0,
            why:
                admitted.length > 0
                    ? admitted.map((o) => `${o.ns}/${o.name} admitted`)
                    : [`only ${k.ns}/${k.name} holds roles/iam.workloadIdentityUser on it`],
        });
    }
}

interface Firewall {
    readonly r: AccessResource;
    readonly network: string;
    readonly priority: number;
    readonly deny: boolean;
    readonly sources: string[];
    readonly rules: { protocol: string; ports: string[] }[];
}

function firewalls(resources: readonly AccessResource[]): Firewall[] {
    return resources
        .filter((r) => r.type === "gcp:compute/firewall:Firewall")
        .filter(
            (r) => str(r.props.direction || "INGRESS") === "INGRESS" && r.props.disabled !== true,
        )
        .map((r) => {
            const deny = arr(r.props.denies).length > 0;
            const sources = arr(r.props.sourceRanges).map(str);
            const noSource =
                sources.length === 0 &&
                arr(r.props.sourceTags).length === 0 &&
                arr(r.props.sourceServiceAccounts).length === 0;
            return {
                r,
                network: str(r.props.network),
                priority: r.props.priority === undefined ? 1000 : Number(r.props.priority),
                deny,
                // An ingress rule with no source at all applies to 0.0.0.0/0.
                sources: noSource ? ["0.0.0.0/0"] : sources,
                rules: arr(deny ? r.props.denies : r.props.allows).map((x) => ({
                    protocol: str(rec(x).protocol),
                    ports: arr(rec(x).ports).map(str),
                })),
            };
        });
}

const portIn = (rules: Firewall["rules"], port: number) =>
    rules.some(
        (x) =>
            (x.protocol === "all" || x.protocol === "tcp") &&
            (x.ports.length === 0 ||
                x.ports.some((p) => {
                    const [a, b] = p.split("-").map(Number);
                    return port >= a && port <= (b ?? a);
                })),
    );

/** The firewall verdict for `src` -> `port` in `network` (lowest priority first, deny wins a tie). */
export function firewallVerdict(
    fws: readonly Firewall[],
    network: AccessResource,
    src: string,
    port: number,
): { allowed: boolean; why: string[] } {
    const hits = fws
        .filter((f) => refersTo(f.network, network))
        .filter((f) => f.sources.some((s) => cidrContains(s, src)) && portIn(f.rules, port))
        .sort((a, b) => a.priority - b.priority || Number(b.deny) - Number(a.deny));
    const first = hits[0];
    if (!first) return { allowed: false, why: ["implied deny ingress (no declared rule matches)"] };
    return {
        allowed: !first.deny,
        why: [
            `firewall ${first.r.name} (${first.deny ? "deny" : "allow"}, priority ${first.priority}, ${first.sources.join(",")})`,
        ],
    };
}

/** Network rows of the GCP part of a plan. */
export function gcpNetworkRows(
    resources: readonly AccessResource[],
    lbs: readonly LbService[],
    push: Push,
): void {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const of = (t: string) => resources.filter((r) => r.type === t);
    const nets = of("gcp:compute/network:Network");
    const subnets = of("gcp:compute/subnetwork:Subnetwork");
    const peerings = of("gcp:compute/networkPeering:NetworkPeering");
    const nats = of("gcp:compute/routerNat:RouterNat");
    const routers = of("gcp:compute/router:Router");
    const fws = firewalls(resources);
    const gke = of("gcp:container/cluster:Cluster").map((c) => ({
        c,
        label: labelOf(c, byUrn),
        name: str(c.props.name) || c.name,
        net: nets.find((n) => refersTo(str(c.props.network), n)),
        priv: rec(c.props.privateClusterConfig),
        man: rec(c.props.masterAuthorizedNetworksConfig),
    }));

    // Firewall: the internet to the nodes (east-west port and SSH).
    for (const n of nets)
        for (const port of [15443, 22]) {
            const v = firewallVerdict(fws, n, INTERNET, port);
            push({
                kind: "network",
                subject: `internet (${INTERNET})`,
                action: `tcp/${port} to the nodes (firewall)`,
                resource: `network ${labelOf(n, byUrn)} (${n.name})`,
                expect: "deny",
                allowed: v.allowed,
                why: v.why,
            });
        }

    for (const x of gke) {
        const blocks = arr(x.man.cidrBlocks).map(rec);
        const publicEp = x.priv.enablePrivateEndpoint !== true;
        const gcpPublic = x.man.gcpPublicCidrsAccessEnabled !== false;
        for (const b of blocks.filter((y) => /deployer/i.test(str(y.displayName))))
            push({
                kind: "network",
                subject: `deployer network ${str(b.cidrBlock)}`,
                action: "tcp/443",
                resource: `API ${x.name}`,
                expect: "allow",
                allowed: publicEp,
                why: publicEp
                    ? [`public endpoint, master authorized network "${str(b.displayName)}"`]
                    : [
                          "private endpoint only: the deployer network is not routed to it in the plan",
                      ],
            });
        const open =
            publicEp &&
            (blocks.length === 0 ||
                gcpPublic ||
                blocks.some((b) => cidrContains(str(b.cidrBlock), INTERNET)));
        push({
            kind: "network",
            subject: `internet (${INTERNET})`,
            action: "tcp/443",
            resource: `API ${x.name}`,
            expect: "deny",
            allowed: open,
            why: [
                publicEp
                    ? `authorized networks ${blocks.map((b) => str(b.cidrBlock)).join(", ") || "(none: all)"}; gcpPublicCidrsAccessEnabled ${gcpPublic}`
                    : "private endpoint only",
            ],
        });
    }

    // Between the regions: east-west 15443 over the peering, istiod to the peer's API server.
    for (const a of gke)
        for (const b of gke) {
            if (a === b || !a.net || !b.net) continue;
            const joins = (from: AccessResource, to: AccessResource) =>
                peerings.find(
                    (p) =>
                        refersTo(str(p.props.network), from) &&
                        refersTo(str(p.props.peerNetwork), to),
                );
            const there = joins(a.net, b.net);
            const back = joins(b.net, a.net);
            const pods = subnets
                .filter((s) => refersTo(str(s.props.network), a.net!))
                .flatMap((s) => arr(s.props.secondaryIpRanges).map(rec))
                .find((r) => str(r.rangeName) === "pods");
            const src = str(pods?.ipCidrRange);
            const ew = lbs.find((l) => l.label === b.label && l.name.includes("east-west"));
            if (ew && src) {
                const lb = lbAdmits(ew, src, false);
                const global = ew.globalAccess;
                const fw = fws.filter((f) => f.deny && refersTo(f.network, b.net!));
                const blocked = fw.find(
                    (f) =>
                        f.priority <= 1000 &&
                        f.sources.some((s) => cidrContains(s, src)) &&
                        portIn(f.rules, 15443),
                );
                push({
                    kind: "network",
                    subject: `${a.label} pods (${src})`,
                    action: "tcp/15443 (east-west)",
                    resource: `${ew.name} ${b.label}`,
                    expect: "allow",
                    allowed: !!there && !!back && lb.ok && ew.internal && global && !blocked,
                    why: [
                        there && back
                            ? `peering ${there.name} + ${back.name} (subnet routes incl. pod ranges)`
                            : `no peering with both halves between ${a.net.name} and ${b.net.name}`,
                        ...lb.why,
                        global
                            ? "internal LB global access on (clients in another region)"
                            : "internal LB without global access: unreachable from another region",
                        blocked
                            ? `firewall ${blocked.r.name} denies it`
                            : "GKE-managed LB firewall rule from loadBalancerSourceRanges (not declared in the plan)",
                    ],
                });
            }
            // istiod of a -> API of b: private nodes egress through a's Cloud NAT to b's public endpoint.
            const nat = nats.find((n) =>
                routers.some(
                    (r) =>
                        refersTo(str(n.props.router), r) && refersTo(str(r.props.network), a.net!),
                ),
            );
            const natIps = arr(nat?.props.natIps).length;
            const blocks = arr(rec(b.man).cidrBlocks).map(rec);
            const natBlocks = blocks.filter((x) => /NAT egress/i.test(str(x.displayName)));
            const allNat = nats.reduce((s, n) => s + arr(n.props.natIps).length, 0);
            const publicEp = b.priv.enablePrivateEndpoint !== true;
            const ok = !!nat && natIps > 0 && publicEp && natBlocks.length >= allNat;
            push({
                kind: "network",
                subject: `istiod ${a.label}`,
                action: "tcp/443 (remote secret API access)",
                resource: `API ${b.name} public endpoint via Cloud NAT`,
                expect: "allow",
                allowed: ok,
                why: [
                    nat
                        ? `Cloud NAT ${nat.name} (${natIps} reserved address(es)) for private nodes`
                        : `no Cloud NAT in ${a.net.name}: private nodes have no egress`,
                    publicEp ? "public endpoint enabled" : "public endpoint disabled",
                    `master authorized networks: ${natBlocks.length} "NAT egress" block(s) for ${allNat} NAT address(es) (addresses are known after deploy: matched by block name)`,
                    "not over the peering: the control plane's private endpoint sits in a Google-managed network peered with the cluster's VPC, and VPC peering is not transitive",
                ],
            });
        }
}
