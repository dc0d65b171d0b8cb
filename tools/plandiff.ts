/**
 * What a `pulumi up` would do to a stack deployed from an older plan: compares two offline plans
 * (lib/plan-format.ts) the way the engine matches resources, offline and approximately.
 *
 * Matching follows the engine's step generator: a new resource is the old resource with the same engine
 * URN; failing that, the old resource one of its aliases names (a rename). The plans' `urn` fields are the
 * mock monitor's, which keep only a parent's last type: resources are matched on engine URNs computed
 * from the parent chain instead, so that moving a component under another parent shows its grandchildren
 * moving too (as it does in a live stack).
 *
 * Replacement is an approximation: providers decide it per property and this module has no provider
 * schemas. A change of type, of explicit provider, or of a fixed physical name (REPLACE_PATHS) counts as
 * a replace; everything else as an in-place update. Secrets are masked in both plans, so a changed secret
 * value is not seen. Pure: no I/O.
 */
import {
    canonicalJson,
    engineUrns,
    type PlanDocument,
    type PlanResource,
} from "../lib/plan-format";

/** Input paths holding a fixed physical name: changing one makes the provider replace the resource. */
export const REPLACE_PATHS: readonly string[] = [
    "name",
    "bucket",
    "metadata.name",
    "metadata.namespace",
];

/** Resources whose delete or replace loses data or breaks the mesh; `metadataName` narrows by metadata.name. */
export interface StatefulRule {
    readonly type: string;
    readonly metadataName?: string;
    readonly what: string;
}

/** Every stateful kind, in one place: a delete or replace of one of these is dangerous. */
export const STATEFUL: readonly StatefulRule[] = [
    { type: "aws:s3/bucket:Bucket", what: "S3 bucket" },
    { type: "aws:s3/bucketV2:BucketV2", what: "S3 bucket" },
    { type: "aws:s3/bucketObject:BucketObject", what: "S3 object" },
    { type: "aws:s3/bucketObjectv2:BucketObjectv2", what: "S3 object" },
    { type: "aws:kms/key:Key", what: "KMS key" },
    { type: "gcp:storage/bucket:Bucket", what: "GCS bucket" },
    { type: "gcp:storage/bucketObject:BucketObject", what: "GCS object" },
    { type: "aws:secretsmanager/secret:Secret", what: "Secrets Manager secret" },
    { type: "tls:index/privateKey:PrivateKey", what: "TLS private key" },
    { type: "tls:index/selfSignedCert:SelfSignedCert", what: "self-signed certificate" },
    { type: "aws:eks/cluster:Cluster", what: "EKS cluster" },
    { type: "gcp:container/cluster:Cluster", what: "GKE cluster" },
    { type: "aws:eks/nodeGroup:NodeGroup", what: "EKS node group" },
    { type: "gcp:container/nodePool:NodePool", what: "GKE node pool" },
    {
        type: "kubernetes:core/v1:Secret",
        metadataName: "cacerts",
        what: "Istio CA secret (cacerts)",
    },
    { type: "aws:cloudwatch/logGroup:LogGroup", what: "CloudWatch log group" },
];

export interface DiffResource {
    /** Engine URN (as in a live stack). */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
}

export interface Update extends DiffResource {
    /** Changed top-level input keys; `(protect)` when only the protect flag changed. */
    readonly changes: readonly string[];
}

export interface Replace extends Update {
    /** The old engine URN when the resource was matched through an alias. */
    readonly from?: string;
    /** Why it counts as a replace: `type`, `provider` or an input path of REPLACE_PATHS. */
    readonly reasons: readonly string[];
}

export interface Rename extends DiffResource {
    readonly from: string;
    /** Input changes that come with the rename (an in-place update). */
    readonly changes: readonly string[];
}

export interface Dangerous extends DiffResource {
    readonly op: "delete" | "replace";
    /** `protected`, and/or the stateful kind. */
    readonly why: readonly string[];
}

export interface PlanDiff {
    readonly stack: string;
    readonly adds: DiffResource[];
    readonly deletes: DiffResource[];
    readonly updates: Update[];
    readonly replaces: Replace[];
    readonly renames: Rename[];
    readonly dangerous: Dangerous[];
    /** Aliases the engine would reject (one old resource claimed twice): the `pulumi up` would fail. */
    readonly conflicts: string[];
}

export function isEmptyDiff(d: PlanDiff): boolean {
    return (
        d.adds.length +
            d.deletes.length +
            d.updates.length +
            d.replaces.length +
            d.renames.length +
            d.conflicts.length ===
        0
    );
}

function getPath(obj: unknown, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>(
            (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
            obj,
        );
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Why a delete or replace of this resource is dangerous; empty when it is not. */
export function dangerOf(r: PlanResource): string[] {
    const why: string[] = [];
    if (r.protect) why.push("protected");
    for (const rule of STATEFUL) {
        if (rule.type !== r.type) continue;
        if (
            rule.metadataName !== undefined &&
            getPath(r.inputs, "metadata.name") !== rule.metadataName
        )
            continue;
        why.push(rule.what);
    }
    return why;
}

interface Indexed {
    readonly byEngine: Map<string, PlanResource>;
    readonly engineOf: Map<string, string>;
    readonly duplicates: string[];
}

function index(doc: PlanDocument): Indexed {
    const engineOf = engineUrns(doc.resources);
    const byEngine = new Map<string, PlanResource>();
    const duplicates: string[] = [];
    for (const r of doc.resources) {
        const e = engineOf.get(r.urn)!;
        if (byEngine.has(e)) duplicates.push(e);
        else byEngine.set(e, r);
    }
    return { byEngine, engineOf, duplicates };
}

const byUrn = <T extends { urn: string }>(a: T, b: T) =>
    a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0;

/** Compare an old plan with a new one. */
export function diffPlans(oldDoc: PlanDocument, newDoc: PlanDocument): PlanDiff {
    const olds = index(oldDoc);
    const news = index(newDoc);
    const conflicts: string[] = [
        ...olds.duplicates.map((u) => `old plan has two resources with the engine URN ${u}`),
        ...news.duplicates.map((u) => `new plan has two resources with the engine URN ${u}`),
    ];

    // new engine URN -> old engine URN, the engine's way: own URN first, then aliases.
    const match = new Map<string, string>();
    const claimedBy = new Map<string, string>();
    const newUrns = [...news.byEngine.keys()].sort();
    for (const u of newUrns) {
        if (olds.byEngine.has(u)) {
            match.set(u, u);
            claimedBy.set(u, u);
        }
    }
    for (const u of newUrns) {
        const r = news.byEngine.get(u)!;
        for (const alias of r.aliases ?? []) {
            if (!olds.byEngine.has(alias) || alias === u) continue;
            const holder = claimedBy.get(alias);
            if (holder !== undefined) {
                if (holder !== u)
                    conflicts.push(
                        `${u} has an alias ${alias}, which ${holder} already is or claims`,
                    );
                continue;
            }
            if (match.has(u)) {
                conflicts.push(
                    `${u} has aliases for two old resources: ${match.get(u)} and ${alias}`,
                );
                continue;
            }
            match.set(u, alias);
            claimedBy.set(alias, u);
        }
    }

    const info = (urn: string, r: PlanResource): DiffResource => ({
        urn,
        type: r.type,
        name: r.name,
    });
    const adds: DiffResource[] = [];
    const deletes: DiffResource[] = [];
    const updates: Update[] = [];
    const replaces: Replace[] = [];
    const renames: Rename[] = [];
    const dangerous: Dangerous[] = [];

    for (const u of newUrns) {
        const n = news.byEngine.get(u)!;
        const from = match.get(u);
        if (from === undefined) {
            adds.push(info(u, n));
            continue;
        }
        const o = olds.byEngine.get(from)!;
        const changes = Object.keys({ ...o.inputs, ...n.inputs })
            .filter((k) => !same(o.inputs[k], n.inputs[k]))
            .sort();
        if (o.protect !== n.protect) changes.push("(protect)");

        // Components have nothing in the cloud to replace: a type change of one is a rename.
        const reasons: string[] = [];
        if (o.custom !== n.custom) reasons.push("custom");
        else if (n.custom) {
            if (o.type !== n.type) reasons.push("type");
            // The same provider is the one with the same engine URN, or the old one it is an alias of.
            const oldProvider = o.provider
                ? (olds.engineOf.get(o.provider) ?? o.provider)
                : undefined;
            const newProviderUrn = n.provider
                ? (news.engineOf.get(n.provider) ?? n.provider)
                : undefined;
            const newProvider =
                newProviderUrn !== undefined
                    ? (match.get(newProviderUrn) ?? newProviderUrn)
                    : undefined;
            if (oldProvider !== newProvider) reasons.push("provider");
            for (const p of REPLACE_PATHS)
                if (!same(getPath(o.inputs, p), getPath(n.inputs, p))) reasons.push(p);
        }

        if (reasons.length > 0) {
            replaces.push({ ...info(u, n), ...(from !== u ? { from } : {}), reasons, changes });
            const why = [
                ...new Set([...dangerOf(o), ...dangerOf(n).filter((w) => w !== "protected")]),
            ];
            if (why.length > 0) dangerous.push({ ...info(u, n), op: "replace", why });
        } else if (from !== u) {
            renames.push({ ...info(u, n), from, changes });
        } else if (changes.length > 0) {
            updates.push({ ...info(u, n), changes });
        }
    }
    const matchedOld = new Set(match.values());
    for (const [u, o] of olds.byEngine) {
        if (matchedOld.has(u)) continue;
        deletes.push(info(u, o));
        const why = dangerOf(o);
        if (why.length > 0) dangerous.push({ ...info(u, o), op: "delete", why });
    }
    deletes.sort(byUrn);
    dangerous.sort((a, b) => (a.op === b.op ? byUrn(a, b) : a.op < b.op ? -1 : 1));
    return { stack: newDoc.stack, adds, deletes, updates, replaces, renames, dangerous, conflicts };
}

const RED = "\x1b[31m";
const RESET = "\x1b[0m";

/** Colour for the CLI: on a terminal, or when FORCE_COLOR is set (and not 0/false). */
export function useColor(
    stream: { isTTY?: boolean } = process.stdout,
    env: NodeJS.ProcessEnv = process.env,
): boolean {
    const force = env.FORCE_COLOR;
    if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
    return stream.isTTY === true;
}

/** The diff as the CLI prints it, one line per operation. */
export function formatDiff(d: PlanDiff, color = false): string[] {
    const dangerousKey = new Set(d.dangerous.map((x) => `${x.op} ${x.urn}`));
    const whyOf = new Map(d.dangerous.map((x) => [`${x.op} ${x.urn}`, x.why]));
    const red = (s: string) => (color ? `${RED}${s}${RESET}` : s);
    const mark = (op: "delete" | "replace", urn: string, line: string) =>
        dangerousKey.has(`${op} ${urn}`)
            ? red(`${line}  !! DANGEROUS: ${whyOf.get(`${op} ${urn}`)!.join(", ")}`)
            : line;
    const brief = (changes: readonly string[]) =>
        changes.length > 0 ? `  [${changes.join(", ")}]` : "";
    const lines: string[] = [];
    for (const r of d.adds) lines.push(`  + add      ${r.urn}`);
    for (const r of d.deletes) lines.push(mark("delete", r.urn, `  - delete   ${r.urn}`));
    for (const r of d.replaces) {
        const from = r.from ? `${r.from} -> ` : "";
        lines.push(
            mark(
                "replace",
                r.urn,
                `  +-replace  ${from}${r.urn}  (on: ${r.reasons.join(", ")})${brief(r.changes)}`,
            ),
        );
    }
    for (const r of d.updates) lines.push(`  ~ update   ${r.urn}${brief(r.changes)}`);
    for (const r of d.renames)
        lines.push(
            `  rename ${r.from} -> ${r.urn}${r.changes.length > 0 ? `  (and update${brief(r.changes)})` : ""}`,
        );
    for (const c of d.conflicts) lines.push(red(`  ! conflict ${c}`));
    const n = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
    lines.push("");
    lines.push(
        `${n(d.adds.length, "add")}, ${n(d.deletes.length, "delete")}, ${n(d.updates.length, "update")}, ` +
            `${n(d.replaces.length, "replace")}, ${n(d.renames.length, "rename")}` +
            (d.conflicts.length > 0 ? `, ${n(d.conflicts.length, "alias conflict")}` : ""),
    );
    const dangerLine = `${n(d.dangerous.length, "dangerous change")} (delete or replace of a protected or stateful resource)`;
    lines.push(d.dangerous.length > 0 ? red(dangerLine) : dangerLine);
    if (d.replaces.length > 0) {
        lines.push(
            "Replaces are an approximation: a change of type, provider or fixed physical name " +
                `(${REPLACE_PATHS.join(", ")}) counts as a replace; the provider decides for real.`,
        );
    }
    return lines;
}
