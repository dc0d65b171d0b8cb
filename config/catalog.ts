/**
 * Static catalogs the config validator checks against. Kept in one place so a new region, instance
 * family or Kubernetes version is a one-line change with a test.
 */

import type { Cloud } from "../lib/cloud";

export type { Cloud };

/** Commercial AWS regions (partition `aws`). */
export const AWS_REGIONS: readonly string[] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/** Google Cloud regions. */
export const GCP_REGIONS: readonly string[] = [
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "europe-west10",
    "europe-west12",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
];

export const CLOUD_REGIONS: Readonly<Record<Cloud, readonly string[]>> = {
    aws: AWS_REGIONS,
    gcp: GCP_REGIONS,
};

/**
 * The Kubernetes version calendar: every minor the platform knows, with its dates on EKS and GKE.
 *
 * Sources (read 2026-12-02, offline snapshots):
 * - EKS: "Amazon EKS Kubernetes versions" (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 *   columns "End of standard support" / "End of extended support"), as scraped by endoflife.date
 *   (github.com/endoflife-date/endoflife.date products/amazon-eks.md @ a70eca33, file changed 2026-07-08;
 *   the 1.36 row added 2026-06-05, PR #10240). EKS standard support lasts 14 months, extended 12 more.
 * - Upstream release dates: endoflife.date products/kubernetes.md @ a70eca33.
 * - GKE: https://cloud.google.com/kubernetes-engine/docs/release-schedule ("End of standard support"),
 *   via endoflife.date products/google-kubernetes-engine.md @ a70eca33 (file changed 2026-08-21).
 * - Istio 1.30 supports Kubernetes 1.32 to 1.36 (https://istio.io/latest/docs/releases/supported-releases/,
 *   via endoflife.date products/istio.md @ a70eca33, changed 2026-07-17).
 *
 * A date is the first day the version is no longer in that support window: on `eksEndOfStandard` the
 * version is in extended support (and billed at the extended rate), on `eksEndOfExtended` AWS upgrades it.
 */
export interface KubernetesRelease {
    /** Upstream release (kubernetes.io). */
    readonly released: string;
    /** General availability on EKS. */
    readonly eksReleased: string;
    readonly eksEndOfStandard: string;
    readonly eksEndOfExtended: string;
    /** GKE end of standard support; undefined = not known. */
    readonly gkeEndOfStandard?: string;
}

export const KUBERNETES_RELEASES: Readonly<Record<string, KubernetesRelease>> = {
    "1.32": {
        released: "2024-12-11",
        eksReleased: "2025-01-25",
        eksEndOfStandard: "2026-03-23",
        eksEndOfExtended: "2027-03-23",
    },
    "1.33": {
        released: "2025-04-23",
        eksReleased: "2025-05-28",
        eksEndOfStandard: "2026-07-29",
        eksEndOfExtended: "2027-07-29",
        gkeEndOfStandard: "2026-08-03",
    },
    "1.34": {
        released: "2025-08-27",
        eksReleased: "2025-10-06",
        eksEndOfStandard: "2026-12-02",
        eksEndOfExtended: "2027-12-02",
        gkeEndOfStandard: "2026-10-01",
    },
    "1.35": {
        released: "2025-12-17",
        eksReleased: "2026-01-28",
        eksEndOfStandard: "2027-03-27",
        eksEndOfExtended: "2028-03-27",
        gkeEndOfStandard: "2027-04-11",
    },
    "1.36": {
        released: "2026-04-22",
        eksReleased: "2026-06-02",
        eksEndOfStandard: "2027-08-02",
        eksEndOfExtended: "2028-08-02",
        gkeEndOfStandard: "2027-08-09",
    },
};

/**
 * Kubernetes minor versions the platform accepts: in the calendar above and inside the range the pinned
 * Istio release supports (Istio 1.30: 1.32 to 1.36, components/mesh/version.ts). On AWS a version also
 * needs verified EKS add-on pins (components/cluster/versions.ts `EKS_ADDON_VERSIONS`); 1.36 has none yet,
 * so it is accepted on GKE only. Whether a version is still supported on a given day is decided by the
 * rules against the calendar (config/rules.ts `kubernetesRules`), not here.
 */
export const KUBERNETES_VERSIONS: readonly string[] = Object.keys(KUBERNETES_RELEASES);

/**
 * The default: the newest version whose EKS add-on pins are all verified (1.35, in EKS standard support
 * until 2027-03-27 and GKE standard support until 2027-04-11). Bump it with its pins.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/** EKS support policy of a cluster (`upgradePolicy.supportType`). */
export type EksSupportType = "STANDARD" | "EXTENDED";

/** Which support window `version` is in on `now` (by the EKS or GKE calendar); undefined for unknown versions. */
export function supportStatus(
    version: string,
    now: Date,
    cloud: "eks" | "gke",
): "standard" | "extended" | "ended" | "unknown-gke" | undefined {
    const r = KUBERNETES_RELEASES[version];
    if (!r) return undefined;
    const day = now.toISOString().slice(0, 10);
    if (cloud === "gke") {
        if (!r.gkeEndOfStandard) return "unknown-gke";
        return day < r.gkeEndOfStandard ? "standard" : "ended";
    }
    if (day < r.eksEndOfStandard) return "standard";
    return day < r.eksEndOfExtended ? "extended" : "ended";
}

/** Instance families we allow per cloud, with the sizes that exist for each family. */
const AWS_FAMILIES: Record<string, readonly string[]> = {
    t3: ["medium", "large", "xlarge", "2xlarge"],
    t3a: ["medium", "large", "xlarge", "2xlarge"],
    m5: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    m6i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    m6a: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    m7i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    m6g: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    m7g: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    c6i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    c7i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    c6g: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    r6i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
    r7i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"],
};

/** The general-purpose sizes e2, n2 and n2d share. */
const GCP_GENERAL_SIZES: readonly string[] = [
    "standard-2",
    "standard-4",
    "standard-8",
    "standard-16",
    "highmem-2",
    "highmem-4",
    "highmem-8",
];

const GCP_FAMILIES: Record<string, readonly string[]> = {
    e2: GCP_GENERAL_SIZES,
    n2: GCP_GENERAL_SIZES,
    n2d: GCP_GENERAL_SIZES,
    c3: ["standard-4", "standard-8", "standard-22", "highmem-4", "highmem-8"],
    t2d: ["standard-1", "standard-2", "standard-4", "standard-8"],
};

function expand(families: Record<string, readonly string[]>, sep: string): string[] {
    return Object.entries(families).flatMap(([family, sizes]) =>
        sizes.map((s) => `${family}${sep}${s}`),
    );
}

export const INSTANCE_TYPES: Readonly<Record<Cloud, readonly string[]>> = {
    aws: expand(AWS_FAMILIES, "."),
    gcp: expand(GCP_FAMILIES, "-"),
};

/** The family of an instance type: `m6i.large` -> `m6i`, `e2-standard-4` -> `e2`. */
export function instanceFamily(instanceType: string): string {
    return instanceType.split(/[.-]/)[0];
}

/** vCPU and memory (GiB) of every catalogued instance type, used by the cost estimate and sizing checks. */
export function instanceShape(
    instanceType: string,
): { vcpu: number; memoryGiB: number } | undefined {
    const aws = /^([a-z0-9]+)\.(\d*)(medium|large|xlarge)$/.exec(instanceType);
    if (aws) {
        const family = aws[1];
        const mult = aws[2] ? Number(aws[2]) : 1;
        const base = aws[3] === "medium" ? 1 : aws[3] === "large" ? 2 : 4;
        const vcpu = aws[3] === "xlarge" ? 4 * mult : base;
        const perVcpu = family.startsWith("c") ? 2 : family.startsWith("r") ? 8 : 4;
        const memoryGiB = family.startsWith("t") && aws[3] === "medium" ? 4 : vcpu * perVcpu;
        return { vcpu, memoryGiB };
    }
    const gcp = /^([a-z0-9]+)-(standard|highmem)-(\d+)$/.exec(instanceType);
    if (gcp) {
        const vcpu = Number(gcp[3]);
        return { vcpu, memoryGiB: vcpu * (gcp[2] === "highmem" ? 8 : 4) };
    }
    return undefined;
}

/** Graviton (ARM) instance families carry a `g` after the generation digit: m7g, c6g, r7gd. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

/**
 * GKE control plane /28 of the i-th region. Outside every 10.x platform range; the rules refuse region
 * ranges that overlap any of them.
 */
export function gkeMasterCidr(index: number): string {
    return `172.16.0.${index * 16}/28`;
}

/** Physical EKS cluster name: fixed because EKS names the control plane log group after it. */
export function eksClusterName(stack: string, regionName: string): string {
    return `mesh-${stack}-${regionName}`;
}

// --- Istio versions ---

/**
 * The Istio calendar: every minor the platform has pinned charts for (lib/charts.ts `ISTIO_VERSIONS`),
 * with its dates and the Kubernetes minors upstream supports it on.
 *
 * Sources (read 2026-12-02):
 * - istio.io data/compatibility/supportStatus.yml (raw.githubusercontent.com/istio/istio.io/master, the
 *   snapshot in which 1.30 is the newest release): 1.30 released "May 14, 2026", end of life
 *   "~Nov 2026 (Expected)", Kubernetes 1.32-1.36; the "master" row (the 1.31 line) Kubernetes 1.32-1.36.
 * - github.com/istio/istio releases: 1.30.3 2026-07-13 (tag date), 1.30.4 2026-08-27, 1.31.0 2026-08-31;
 *   istio.io/latest/news/releases/1.30.x lists 1.30.0 on May 18, 2026 (the announcement) and 1.30.5.
 * - istioctl/pkg/install/k8sversion/version.go at 1.31.0-rc.0: MinK8SVersion = 32.
 * - Support policy (istio.io/latest/docs/releases/supported-releases): a minor is supported until six weeks
 *   after the release of the minor two later; the control plane may be one minor ahead of the data plane,
 *   never behind it ("Control Plane/Data Plane Skew"). 1.30's end of life is taken as 2026-11-30 (the
 *   "~Nov 2026" of the table; 1.32 was not yet released in the sources read). 1.31's is not announced.
 * - istio.io content/en/news/releases/1.31.x/announcing-1.31.1 (published 2026-09-21) and
 *   1.30.x/announcing-1.30.5 (2026-09-21): 1.31.1 carries security fixes 1.31.0 lacks (ISTIO_PATCHES).
 */
export interface IstioMinor {
    /** Release of x.y.0 (istio.io announcement). */
    readonly released: string;
    /** First day without upstream patches; undefined = not announced yet. */
    readonly endOfLife?: string;
    /** Kubernetes minors upstream supports this Istio minor on. */
    readonly kubernetes: readonly string[];
}

export const ISTIO_MINORS: Readonly<Record<string, IstioMinor>> = {
    "1.30": {
        released: "2026-05-18",
        endOfLife: "2026-11-30",
        kubernetes: ["1.32", "1.33", "1.34", "1.35", "1.36"],
    },
    "1.31": {
        released: "2026-08-31",
        kubernetes: ["1.32", "1.33", "1.34", "1.35", "1.36"],
    },
};

/**
 * Pinned patch releases that supersede an older pinned patch of the same minor, with why (the release
 * note): a revision on the older patch is told to move (a new revision, docs/upgrade-istio.md).
 */
export const ISTIO_PATCHES: Readonly<
    Record<string, { readonly supersedes: string; readonly why: string }>
> = {
    "1.31.1": {
        supersedes: "1.31.0",
        why: "security fixes (GHSA-qm8v-g4f9-qhjx BackendTLSPolicy fail-open, jwksUri SSRF block, annotation escaping in injection templates; istio.io announcing-1.31.1, 2026-09-21)",
    },
};

/** How many minors apart the istiod revisions of one mesh may be (upstream skew: one). */
export const ISTIO_MAX_MINOR_SKEW = 1;

/** `1.30` of `1.30.3`. */
export const istioMinorOf = (version: string): string => version.split(".").slice(0, 2).join(".");

/** Whether `minor` is past its end of life on `now`; undefined when the minor is unknown. */
export function istioEndOfLife(version: string, now: Date): boolean | undefined {
    const m = ISTIO_MINORS[istioMinorOf(version)];
    if (!m) return undefined;
    return m.endOfLife !== undefined && now.toISOString().slice(0, 10) >= m.endOfLife;
}

/**
 * Kubernetes version skew (kubernetes.io/releases/version-skew-policy): kubelet and kube-proxy may be up
 * to three minors older than kube-apiserver, never newer; a control plane upgrades one minor at a time.
 */
export const KUBELET_MAX_MINOR_SKEW = 3;
