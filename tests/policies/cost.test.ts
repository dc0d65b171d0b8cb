import * as assert from "assert";
import { KUBERNETES_RELEASES } from "../../config/catalog";
import { estimateComplete, monthlyBudget } from "../../policies/cost/rules/budget";
import {
    instanceFamilies,
    instanceSizeCeiling,
    spotForNonProd,
} from "../../policies/cost/rules/compute";
import {
    autoscalingTargets,
    istiodSizing,
    serviceBand,
    sidecarResources,
    traceSampling,
} from "../../policies/cost/rules/mesh";
import { retention } from "../../policies/cost/rules/retention";
import { costAllocationTags, providerDefaultTags } from "../../policies/cost/rules/tags";
import { chartStorageGiB, TrafficAssumptions } from "../../policies/cost/estimate";
import {
    instanceHourly,
    PRICES,
    ESTIMATED_REGIONS,
    EKS_EXTENDED_SUPPORT_HOUR,
    EKS_STANDARD_SUPPORT_END,
    PRICE_SOURCES,
    PRICE_TABLE_DATE,
} from "../../policies/cost/prices";
import { estimateMonthlyCost } from "../../policies/offline";
import {
    awsProvider,
    check,
    cr,
    found,
    gcpProvider,
    k8sProvider,
    messages,
    release,
    res,
} from "./support";

const aws = awsProvider("aws-singapore", "ap-southeast-1");
const eksCluster = res(
    "aws:eks/cluster:Cluster",
    "singapore-eks",
    { tags: { team: "platform", "cost-center": "edtech", environment: "prod" } },
    { provider: aws },
);
const k8s = k8sProvider("singapore-k8s", eksCluster);

/** No usage at all: isolates the resource-priced lines. */
const NO_TRAFFIC: TrafficAssumptions = {
    natGbPerGateway: 0,
    interRegionGbPerRegion: 0,
    logsGbPerLogGroup: 0,
    replicatedGbPerBucket: 0,
    lcuPerLoadBalancer: 0,
    publicIpsPerInternetLoadBalancer: 0,
};
const zeroUsage = {
    "public-ipv4": 0,
    "data-transfer": 0,
    logs: 0,
    "backup-replication": 0,
};

const istiodValues = (o: Record<string, unknown> = {}) => ({
    resources: {
        requests: { cpu: "500m", memory: "2Gi" },
        limits: { cpu: "1000m", memory: "4Gi" },
    },
    cpu: { targetAverageUtilization: 70 },
    memory: { targetAverageUtilization: 80 },
    traceSampling: 1,
    global: {
        proxy: {
            resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "200m", memory: "256Mi" },
            },
        },
    },
    ...o,
});

describe("policies/cost: istiod sizing", () => {
    it("maps service counts to the guide's bands", () => {
        assert.deepStrictEqual([1, 49, 50, 199, 200, 5000].map(serviceBand), [
            "small",
            "small",
            "medium",
            "medium",
            "large",
            "large",
        ]);
    });

    it("passes istiod sized for its band (top-level values or legacy pilot.*)", () => {
        assert.deepStrictEqual(
            check(istiodSizing, [release("istiod", "istiod", istiodValues(), k8s)], {
                serviceCount: 120,
            }),
            [],
        );
        const legacy = release(
            "istiod",
            "istiod",
            {
                pilot: {
                    resources: {
                        requests: { cpu: "0.1", memory: "512Mi" },
                        limits: { cpu: "500m", memory: "1024Mi" },
                    },
                },
            },
            k8s,
        );
        assert.deepStrictEqual(check(istiodSizing, [legacy], { serviceCount: 12 }), []);
    });

    it("fails istiod sized for another band", () => {
        assert.deepStrictEqual(
            messages(
                check(istiodSizing, [release("istiod", "istiod", istiodValues(), k8s)], {
                    serviceCount: 250,
                }),
            ),
            [
                "values.resources.requests.cpu is 500m, expected 1000m (large band: 200+ services; the mesh has 250)",
                "values.resources.requests.memory is 2Gi, expected 4Gi (large band: 200+ services; the mesh has 250)",
                "values.resources.limits.cpu is 1000m, expected 2000m (large band: 200+ services; the mesh has 250)",
                "values.resources.limits.memory is 4Gi, expected 8Gi (large band: 200+ services; the mesh has 250)",
            ],
        );
    });
});

describe("policies/cost: sidecar resources", () => {
    it("passes sidecars within the guide's range", () => {
        assert.deepStrictEqual(
            check(sidecarResources, [release("istiod", "istiod", istiodValues(), k8s)]),
            [],
        );
    });

    it("fails the chart's default limits (2 CPU, 1Gi) and missing requests", () => {
        const v = check(sidecarResources, [
            release(
                "istiod",
                "istiod",
                istiodValues({
                    global: {
                        proxy: { resources: { limits: { cpu: "2000m", memory: "1024Mi" } } },
                    },
                }),
                k8s,
            ),
        ]);
        assert.deepStrictEqual(messages(v), [
            "values.global.proxy.resources.requests.cpu is unset; set it within 10m-100m",
            "values.global.proxy.resources.requests.memory is unset; set it within 20Mi-128Mi",
            "values.global.proxy.resources.limits.cpu 2000m is outside 100m-200m",
            "values.global.proxy.resources.limits.memory 1024Mi is outside 50Mi-256Mi",
        ]);
    });
});

describe("policies/cost: autoscaling targets", () => {
    const gateway = (autoscaling: Record<string, unknown>) =>
        release("ingress", "gateway", { autoscaling }, k8s);
    const hpa = (cpu: number, memory: number) =>
        res(
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            `hpa-${cpu}`,
            {
                spec: {
                    metrics: [
                        {
                            type: "Resource",
                            resource: {
                                name: "cpu",
                                target: { type: "Utilization", averageUtilization: cpu },
                            },
                        },
                        {
                            type: "Resource",
                            resource: {
                                name: "memory",
                                target: { type: "Utilization", averageUtilization: memory },
                            },
                        },
                    ],
                },
            },
            { provider: k8s },
        );

    it("passes 70 % CPU / 80 % memory on istiod, gateways and HPAs", () => {
        const v = check(autoscalingTargets, [
            release("istiod", "istiod", istiodValues(), k8s),
            gateway({
                enabled: true,
                targetCPUUtilizationPercentage: 70,
                targetMemoryUtilizationPercentage: 80,
            }),
            hpa(70, 80),
        ]);
        assert.deepStrictEqual(v, []);
    });

    it("fails the charts' defaults and other targets", () => {
        const v = check(autoscalingTargets, [
            release(
                "istiod",
                "istiod",
                istiodValues({ cpu: { targetAverageUtilization: 80 }, memory: {} }),
                k8s,
            ),
            gateway({ enabled: true }),
            hpa(50, 80),
        ]);
        assert.deepStrictEqual(messages(v), [
            "istiod (values.cpu/memory.targetAverageUtilization) CPU target is 80, expected 70",
            "istiod (values.cpu/memory.targetAverageUtilization) memory target is unset, expected 80",
            "gateway (values.autoscaling.target*UtilizationPercentage) CPU target is unset, expected 70",
            "gateway (values.autoscaling.target*UtilizationPercentage) memory target is unset, expected 80",
            "HorizontalPodAutoscaler CPU target is 50, expected 70",
        ]);
    });
});

describe("policies/cost: instance families and spot", () => {
    const nodeGroup = (
        name: string,
        types: string[],
        capacityType?: string,
        labels: Record<string, string> = {},
    ) =>
        res(
            "aws:eks/nodeGroup:NodeGroup",
            name,
            {
                instanceTypes: types,
                capacityType,
                labels,
                scalingConfig: { desiredSize: 2, minSize: 1, maxSize: 3 },
            },
            { provider: aws },
        );
    const gcp = gcpProvider("gcp-tokyo", "asia-northeast1");
    const pool = (name: string, nodeConfig: Record<string, unknown>) =>
        res(
            "gcp:container/nodePool:NodePool",
            name,
            { location: "asia-northeast1", nodeCount: 1, nodeConfig },
            { provider: gcp },
        );

    it("passes allowed families", () => {
        assert.deepStrictEqual(
            check(
                instanceFamilies,
                [nodeGroup("a-system", ["m6i.large"]), pool("p", { machineType: "n2-standard-4" })],
                { allowedFamilies: ["m6i", "n2"] },
            ),
            [],
        );
    });

    it("fails families not allowed in the environment", () => {
        assert.deepStrictEqual(
            messages(
                check(
                    instanceFamilies,
                    [
                        nodeGroup("a-workloads", ["m6i.xlarge", "t3.large"]),
                        pool("p", { machineType: "e2-standard-2" }),
                    ],
                    { allowedFamilies: ["m6i", "n2"] },
                ),
            ),
            [
                "instance type t3.large (family t3) is not allowed here; allowed families: m6i, n2",
                "instance type e2-standard-2 (family e2) is not allowed here; allowed families: m6i, n2",
            ],
        );
    });

    it("passes spot workload pools outside prod and ignores system pools and prod", () => {
        const v = check(
            spotForNonProd,
            [
                nodeGroup("dev-workloads", ["t3.large"], "SPOT"),
                nodeGroup("dev-system", ["t3.large"], "ON_DEMAND"),
                pool("tokyo-workloads", { machineType: "e2-standard-2", spot: true }),
            ],
            { requireSpot: true },
        );
        assert.deepStrictEqual(v, []);
        assert.deepStrictEqual(
            check(spotForNonProd, [nodeGroup("prod-workloads", ["m6i.xlarge"], "ON_DEMAND")], {
                requireSpot: false,
            }),
            [],
        );
    });

    it("fails on-demand workload pools outside prod (found by name or role label)", () => {
        const v = check(
            spotForNonProd,
            [
                nodeGroup("dev-workloads", ["t3.large"]),
                nodeGroup("dev-apps", ["t3.large"], "ON_DEMAND", { role: "workloads" }),
                pool("tokyo-workloads", { machineType: "e2-standard-2" }),
            ],
            { requireSpot: true },
        );
        assert.deepStrictEqual(messages(v), [
            "workload node group uses capacityType ON_DEMAND (default); use SPOT outside production",
            "workload node group uses capacityType ON_DEMAND; use SPOT outside production",
            "workload node pool is not spot (nodeConfig.spot: true) outside production",
        ]);
    });
});

describe("policies/cost: retention", () => {
    const chart = (name: string, chartName: string, values: Record<string, unknown>) =>
        res(
            "kubernetes:helm.sh/v3:Release",
            name,
            {
                chart: chartName,
                version: "1.0.0",
                repositoryOpts: { repo: "https://charts.example.com" },
                values,
            },
            { provider: k8s },
        );
    const ilm = (days: string) =>
        JSON.stringify({
            policy: {
                phases: {
                    hot: { actions: {} },
                    delete: { min_age: days, actions: { delete: {} } },
                },
            },
        });

    it("passes the guide's retention everywhere it is declared", () => {
        const v = check(retention, [
            chart("prom", "kube-prometheus-stack", {
                prometheus: { prometheusSpec: { retention: "30d" } },
            }),
            chart("jaeger", "jaeger", { esIndexCleaner: { enabled: true, numberOfDays: 7 } }),
            chart("velero", "velero", {
                schedules: { daily: { schedule: "0 2 * * *", template: { ttl: "720h0m0s" } } },
            }),
            res(
                "kubernetes:core/v1:ConfigMap",
                "logs-ilm",
                { metadata: { name: "logs-ilm" }, data: { "policy.json": ilm("7d") } },
                { provider: k8s },
            ),
            cr(
                "velero.io/v1",
                "Schedule",
                "exams",
                "velero",
                { schedule: "*/30 * * * *", template: { ttl: "720h" } },
                k8s,
            ),
        ]);
        assert.deepStrictEqual(v, []);
    });

    it("fails chart defaults and wrong periods, naming the value", () => {
        const v = check(retention, [
            chart("prom", "kube-prometheus-stack", {}),
            chart("jaeger", "jaeger", { esIndexCleaner: { enabled: true, numberOfDays: 14 } }),
            chart("velero", "velero", { schedules: { daily: { template: { ttl: "168h" } } } }),
            res(
                "kubernetes:core/v1:ConfigMap",
                "logs-ilm",
                { data: { "policy.json": ilm("30d") } },
                { provider: k8s },
            ),
            res(
                "kubernetes:core/v1:ConfigMap",
                "span-ilm",
                { metadata: { name: "jaeger-ilm" }, data: { "jaeger-span.json": ilm("10d") } },
                { provider: k8s },
            ),
        ]);
        assert.deepStrictEqual(messages(v), [
            "metrics kept 10 days (values.prometheus.prometheusSpec.retention = 10d (chart default)); expected 30",
            "traces kept 14 days (values.esIndexCleaner.numberOfDays = 14); at most 7",
            "backups kept 7 days (values.schedules.daily.template.ttl = 168h); expected 30",
            "logs kept 30 days (data.policy.json.policy.phases.delete.min_age = 30d); expected 7",
            "traces kept 10 days (data.jaeger-span.json.policy.phases.delete.min_age = 10d); at most 7",
        ]);
    });
});

describe("policies/cost: retention as the platform declares it", () => {
    const jaeger = (ttl?: string) =>
        res(
            "kubernetes:helm.sh/v3:Release",
            `jaeger-${ttl ?? "default"}`,
            {
                chart: "jaeger",
                version: "4.11.1",
                repositoryOpts: { repo: "https://jaegertracing.github.io/helm-charts" },
                values: {
                    userconfig: {
                        extensions: {
                            jaeger_storage: {
                                backends: {
                                    primary_store: {
                                        badger: {
                                            ephemeral: false,
                                            ...(ttl ? { ttl: { spans: ttl } } : {}),
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
            { provider: k8s },
        );
    const ilmJob = (days: string) =>
        res(
            "kubernetes:batch/v1:Job",
            `logging-ilm-${days}`,
            {
                metadata: {
                    namespace: "logging",
                    labels: { "app.kubernetes.io/name": "log-retention" },
                },
                spec: {
                    template: {
                        spec: {
                            containers: [
                                {
                                    name: "put-policy",
                                    env: [
                                        {
                                            name: "ILM_POLICY",
                                            value: JSON.stringify({
                                                policy: {
                                                    phases: {
                                                        delete: {
                                                            min_age: days,
                                                            actions: { delete: {} },
                                                        },
                                                    },
                                                },
                                            }),
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                },
            },
            { provider: k8s },
        );
    const velero = (ttl: string) =>
        res(
            "kubernetes:helm.sh/v3:Release",
            `velero-${ttl}`,
            {
                chart: "velero",
                version: "12.1.0",
                repositoryOpts: { repo: "https://vmware-tanzu.github.io/helm-charts" },
                values: { configuration: { defaultBackupTTL: ttl } },
            },
            { provider: k8s },
        );

    it("passes Jaeger v2 badger TTL, an ILM policy put by a Job and Velero's default TTL at the guide's values", () => {
        assert.deepStrictEqual(
            check(retention, [jaeger("168h"), ilmJob("7d"), velero("720h")]),
            [],
        );
    });

    it("fails the badger default (72h is fine) only when above 7 days, logs kept longer and a short backup TTL", () => {
        assert.deepStrictEqual(check(retention, [jaeger()]), []);
        assert.deepStrictEqual(
            messages(check(retention, [jaeger("336h"), ilmJob("14d"), velero("240h")])),
            [
                "traces kept 14 days (values.userconfig.extensions.jaeger_storage.backends.primary_store.badger.ttl.spans = 336h); at most 7",
                "logs kept 14 days (spec.template.spec.containers[0].env[0].value.policy.phases.delete.min_age = 14d); expected 7",
                "backups kept 10 days (values.configuration.defaultBackupTTL = 240h); expected 30",
            ],
        );
    });
});

describe("policies/cost: trace sampling", () => {
    const telemetry = (pct: number) =>
        cr(
            "telemetry.istio.io/v1",
            "Telemetry",
            "mesh-default",
            "istio-system",
            { tracing: [{ providers: [{ name: "jaeger" }], randomSamplingPercentage: pct }] },
            k8s,
        );

    it("passes sampling at or under the cap", () => {
        assert.deepStrictEqual(
            check(traceSampling, [release("istiod", "istiod", istiodValues(), k8s), telemetry(1)], {
                maxPercent: 1,
            }),
            [],
        );
    });

    it("fails sampling over the cap in istiod values and Telemetry", () => {
        const v = check(
            traceSampling,
            [
                release(
                    "istiod",
                    "istiod",
                    istiodValues({
                        traceSampling: 100,
                        meshConfig: { defaultConfig: { tracing: { sampling: 10 } } },
                    }),
                    k8s,
                ),
                telemetry(5),
            ],
            { maxPercent: 1 },
        );
        assert.deepStrictEqual(messages(v), [
            "values.traceSampling is 100 %, above the 1 % cap",
            "values.meshConfig.defaultConfig.tracing.sampling is 10 %, above the 1 % cap",
            "spec.tracing[0].randomSamplingPercentage is 5 %, above the 1 % cap",
        ]);
    });
});

describe("policies/cost: cost-allocation tags", () => {
    const required = { requiredTags: ["team", "cost-center", "environment"] };
    it("passes own tags, provider defaultTags and GCP labels", () => {
        const tagged = awsProvider("aws-tagged", "ap-southeast-1", {
            defaultTags: {
                tags: { team: "platform", "cost-center": "edtech", environment: "prod" },
            },
        });
        const v = check(
            costAllocationTags,
            [
                tagged,
                eksCluster,
                res("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" }, { provider: tagged }),
                res(
                    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    "att",
                    { role: "r", policyArn: "p" },
                    { provider: aws },
                ),
                res(
                    "gcp:container/cluster:Cluster",
                    "gke",
                    {
                        resourceLabels: {
                            team: "platform",
                            "cost-center": "edtech",
                            environment: "prod",
                        },
                    },
                    { provider: gcpProvider("g", "asia-southeast1") },
                ),
            ],
            required,
        );
        assert.deepStrictEqual(v, []);
    });

    it("fails resources whose own tags lack a key, and providers without default tags", () => {
        const v = check(
            costAllocationTags,
            [
                // No own tags: the provider's defaultTags apply, checked by provider-default-tags.
                res("aws:ec2/natGateway:NatGateway", "nat", { subnetId: "s" }, { provider: aws }),
                res("aws:kms/key:Key", "key", { tags: { team: "platform" } }, { provider: aws }),
                res(
                    "gcp:storage/bucket:Bucket",
                    "b",
                    { labels: { team: "platform", environment: "prod" } },
                    { provider: gcpProvider("g", "asia-southeast1") },
                ),
            ],
            required,
        );
        assert.deepStrictEqual(messages(v), [
            "missing cost-allocation tags: cost-center, environment",
            "missing cost-allocation labels: cost-center",
        ]);
        const tags = { team: "platform", "cost-center": "edtech", environment: "prod" };
        const providers = [
            awsProvider("bare", "ap-southeast-1"),
            // The engine hands provider objects over JSON-encoded.
            awsProvider("encoded", "ap-southeast-1", { defaultTags: JSON.stringify({ tags }) }),
            awsProvider("partial", "ap-southeast-1", { defaultTags: { tags: { team: "x" } } }),
            res("pulumi:providers:gcp", "gcp", {
                region: "asia-southeast1",
                defaultLabels: JSON.stringify(tags),
            }),
        ];
        assert.deepStrictEqual(found(check(providerDefaultTags, providers, required)), [
            [
                "bare",
                "AWS provider defaultTags.tags lacks team, cost-center, environment; set them on the provider so every resource it manages carries them",
            ],
            [
                "partial",
                "AWS provider defaultTags.tags lacks cost-center, environment; set them on the provider so every resource it manages carries them",
            ],
        ]);
    });
});

describe("policies/cost: price table and monthly estimate", () => {
    it("pins a dated table with sources for every region the stacks use", () => {
        assert.strictEqual(PRICE_TABLE_DATE, "2025-06-01");
        assert.ok(PRICE_SOURCES.length >= 5);
        // Every catalogued region is priced (tests/tools/day0-cli.test.ts); these four are measured,
        // the others are the base region times a documented multiplier.
        for (const r of ["ap-northeast-1", "ap-southeast-1", "asia-northeast1", "asia-southeast1"])
            assert.ok(PRICES[r] && !ESTIMATED_REGIONS.includes(r), r);
        assert.strictEqual(instanceHourly("us-east-1", "m6i.large"), 0.096);
        assert.strictEqual(instanceHourly("eu-central-1", "m6i.large"), 0.1152); // 0.096 x 1.2
        assert.strictEqual(PRICES["eu-central-1"].controlPlaneHour, 0.1, "not multiplied");
        assert.strictEqual(instanceHourly("europe-west1", "n2-standard-2"), 0.10681); // 0.0971 x 1.1
        assert.strictEqual(instanceHourly("ap-southeast-1", "m6i.large"), 0.12);
        assert.strictEqual(instanceHourly("ap-southeast-1", "m6i.2xlarge"), 0.48);
        assert.strictEqual(instanceHourly("ap-northeast-1", "t3.medium"), 0.0544);
        assert.strictEqual(instanceHourly("asia-southeast1", "n2-standard-4"), 0.239);
        assert.strictEqual(instanceHourly("ap-southeast-1", "p4d.24xlarge"), undefined);
    });

    it("adds up instances, control plane, NAT, load balancers and storage per region", () => {
        const nodes = res(
            "aws:eks/nodeGroup:NodeGroup",
            "workloads",
            {
                instanceTypes: ["m6i.xlarge"],
                capacityType: "ON_DEMAND",
                diskSize: 50,
                scalingConfig: { desiredSize: 2, minSize: 1, maxSize: 4 },
            },
            { provider: aws },
        );
        const spot = res(
            "aws:eks/nodeGroup:NodeGroup",
            "spot",
            {
                instanceTypes: ["m6i.large"],
                capacityType: "SPOT",
                scalingConfig: { desiredSize: 1, minSize: 1, maxSize: 2 },
            },
            { provider: aws },
        );
        const nat = res("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: aws });
        const gw = release("ingress", "gateway", { service: { type: "LoadBalancer" } }, k8s);
        const internal = release("internal", "gateway", { service: { type: "ClusterIP" } }, k8s);
        const prom = res(
            "kubernetes:helm.sh/v3:Release",
            "prom",
            {
                chart: "kube-prometheus-stack",
                values: {
                    prometheus: {
                        prometheusSpec: {
                            replicas: 2,
                            storageSpec: {
                                volumeClaimTemplate: {
                                    spec: { resources: { requests: { storage: "100Gi" } } },
                                },
                            },
                        },
                    },
                },
            },
            { provider: k8s },
        );
        const e = estimateMonthlyCost(
            [aws, eksCluster, k8s, nodes, spot, nat, gw, internal, prom],
            {
                traffic: NO_TRAFFIC,
            },
        );
        assert.deepStrictEqual(e.unpriced, []);
        assert.deepStrictEqual(e.byCategory, {
            instances: 385.44, // 2 x 0.24 x 730 + 0.4 x 0.12 x 730
            "control-planes": 73,
            "nat-gateways": 43.07,
            "load-balancers": 18.4,
            storage: 30.72, // (2 x 50 + 20) GiB node disks + 2 x 100 GiB claims, at 0.096
            ...zeroUsage,
        });
        assert.strictEqual(e.totalUsd, 550.63);
        assert.deepStrictEqual(e.byRegion, { "ap-southeast-1": 550.63 });
        // Minimum: 1 x m6i.xlarge + 1 spot m6i.large, (50 + 20) GiB disks; maximum: 4 + 2 nodes.
        assert.strictEqual(e.minTotalUsd, 370.63); // 175.2 + 35.04 + 73 + 43.07 + 18.4 + 6.72 + 19.2
        assert.strictEqual(e.maxTotalUsd, 947.59); // 700.8 + 70.08 + 73 + 43.07 + 18.4 + 23.04 + 19.2
    });

    it("prices EKS and GKE node groups alike at min, desired and max", () => {
        const gcp = gcpProvider("gcp-singapore", "asia-southeast1");
        const regional = res(
            "gcp:container/nodePool:NodePool",
            "regional",
            {
                location: "asia-southeast1",
                initialNodeCount: 2,
                autoscaling: { totalMinNodeCount: 3, totalMaxNodeCount: 12 },
                nodeConfig: { machineType: "n2-standard-4", diskSizeGb: 0 },
            },
            { provider: gcp },
        );
        const zonal = res(
            "gcp:container/nodePool:NodePool",
            "per-zone",
            {
                location: "asia-southeast1",
                nodeLocations: ["asia-southeast1-a", "asia-southeast1-b"],
                initialNodeCount: 1,
                autoscaling: { minNodeCount: 1, maxNodeCount: 3 },
                nodeConfig: { machineType: "n2-standard-2", diskSizeGb: 0 },
            },
            { provider: gcp },
        );
        const e = estimateMonthlyCost([gcp, regional, zonal], { traffic: NO_TRAFFIC });
        assert.deepStrictEqual(
            e.lines.map((l) => [l.description, l.minUsd, l.monthlyUsd, l.maxUsd]),
            [
                // 0.239 per hour: 3 / 6 (2 per zone x 3 zones) / 12 nodes
                ["6 (3-12) x n2-standard-4", 523.41, 1046.82, 2093.64],
                // 0.1195 per hour: 2 / 2 / 6 nodes (per-zone counts x 2 zones)
                ["2 (2-6) x n2-standard-2", 174.47, 174.47, 523.41],
            ],
        );
    });

    it("prices usage from the traffic assumptions: NAT, inter-region, IPv4, logs, RTC, LCUs", () => {
        const tokyo = awsProvider("aws-tokyo", "ap-northeast-1");
        const tokyoEks = res("aws:eks/cluster:Cluster", "tokyo-eks", {}, { provider: tokyo });
        const traffic: TrafficAssumptions = {
            natGbPerGateway: 100,
            interRegionGbPerRegion: 200,
            logsGbPerLogGroup: 10,
            replicatedGbPerBucket: 50,
            lcuPerLoadBalancer: 1,
            publicIpsPerInternetLoadBalancer: 3,
        };
        const e = estimateMonthlyCost(
            [
                aws,
                tokyo,
                eksCluster,
                tokyoEks,
                res("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: aws }),
                res("aws:ec2/eip:Eip", "eip", { domain: "vpc" }, { provider: aws }),
                res(
                    "aws:cloudwatch/logGroup:LogGroup",
                    "logs",
                    { retentionInDays: 7 },
                    { provider: aws },
                ),
                res(
                    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                    "rep",
                    {
                        rules: [
                            {
                                status: "Enabled",
                                destination: {
                                    bucket: "arn:aws:s3:::b",
                                    replicationTime: { status: "Enabled", time: { minutes: 15 } },
                                },
                            },
                        ],
                    },
                    { provider: aws },
                ),
                res(
                    "aws:lb/loadBalancer:LoadBalancer",
                    "nlb",
                    { loadBalancerType: "network" },
                    { provider: aws },
                ),
                res(
                    "aws:lb/loadBalancer:LoadBalancer",
                    "internal",
                    { internal: true },
                    { provider: tokyo },
                ),
            ],
            { traffic },
        );
        const usage = e.lines
            .filter((l) => !["control-planes", "nat-gateways"].includes(l.category))
            .map((l) => [l.urn.split("::").pop(), l.category, l.description, l.monthlyUsd]);
        assert.deepStrictEqual(usage, [
            ["nat", "data-transfer", "NAT data processing (100 GB assumed)", 5.9], // 0.059
            ["eip", "public-ipv4", "1 public IPv4 (Elastic IP)", 3.65], // 0.005 x 730
            ["logs", "logs", "log group (10 GB/month assumed): ingestion", 7], // 0.70
            ["logs", "logs", "log group (10 GB/month assumed): storage (7 day retention)", 0.08],
            ["rep", "data-transfer", "cross-region replication transfer (50 GB assumed)", 4.5],
            ["rep", "backup-replication", "S3 Replication Time Control (50 GB assumed)", 0.75],
            ["nlb", "load-balancers", "load balancer", 18.4], // 0.0252 x 730
            ["nlb", "load-balancers", "load balancer: capacity units (1 assumed)", 4.38], // 0.006 x 730
            ["nlb", "public-ipv4", "3 public IPv4 (internet-facing load balancer)", 10.95],
            ["internal", "load-balancers", "load balancer", 17.74], // 0.0243 x 730
            ["internal", "load-balancers", "load balancer: capacity units (1 assumed)", 4.38],
            ["(stack)", "data-transfer", "data transfer to the other regions (200 GB assumed)", 18],
            ["(stack)", "data-transfer", "data transfer to the other regions (200 GB assumed)", 18],
        ]);
    });

    it("prices a node group's disk from its launch template when the group has no diskSize", () => {
        const lt = res(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "system-lt",
            {
                blockDeviceMappings: [
                    { deviceName: "/dev/xvda", ebs: { volumeSize: 80, volumeType: "gp3" } },
                ],
            },
            { provider: aws },
        );
        const withLt = res(
            "aws:eks/nodeGroup:NodeGroup",
            "system",
            {
                instanceTypes: ["m6i.large"],
                capacityType: "ON_DEMAND",
                launchTemplate: { id: "lt-1", version: "1" },
                scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 6 },
            },
            { provider: aws, dependsOn: [lt] },
        );
        const bare = res(
            "aws:eks/nodeGroup:NodeGroup",
            "bare",
            {
                instanceTypes: ["m6i.large"],
                capacityType: "ON_DEMAND",
                scalingConfig: { desiredSize: 1, minSize: 1, maxSize: 1 },
            },
            { provider: aws },
        );
        const e = estimateMonthlyCost([aws, eksCluster, lt, withLt, bare]);
        assert.deepStrictEqual(
            e.lines
                .filter((l) => l.category === "storage")
                .map((l) => [l.description, l.monthlyUsd]),
            [
                ["3 x 80 GiB node disks", 23.04], // 240 GiB at 0.096
                ["1 x 20 GiB node disks", 1.92], // the EKS default root volume
            ],
        );
    });

    it("reads chart storage from volume claim templates and persistence blocks", () => {
        assert.strictEqual(
            chartStorageGiB({
                replicas: 3,
                volumeClaimTemplate: { resources: { requests: { storage: "50Gi" } } },
                grafana: { persistence: { enabled: true, size: "10Gi" } },
                off: { persistence: { enabled: false, size: "99Gi" } },
            }),
            160,
        );
    });

    it("prices ECK Elasticsearch data volumes per node", () => {
        const es = cr(
            "elasticsearch.k8s.elastic.co/v1",
            "Elasticsearch",
            "logs",
            "logging",
            {
                nodeSets: [
                    {
                        name: "default",
                        count: 3,
                        volumeClaimTemplates: [
                            {
                                metadata: { name: "elasticsearch-data" },
                                spec: { resources: { requests: { storage: "200Gi" } } },
                            },
                        ],
                    },
                ],
            },
            k8s,
        );
        const e = estimateMonthlyCost([aws, eksCluster, k8s, es]);
        assert.deepStrictEqual(
            e.lines
                .filter((l) => l.category === "storage")
                .map((l) => [l.description, l.monthlyUsd]),
            [["600 GiB Elasticsearch data volumes", 57.6]],
        );
    });

    it("reports resources it cannot price", () => {
        const unknownRegion = awsProvider("aws-mars", "mars-east-1");
        const e = estimateMonthlyCost([
            unknownRegion,
            res("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: unknownRegion }),
        ]);
        assert.deepStrictEqual(e.unpriced, [
            {
                urn: "urn:pulumi:test::mesh-platform::aws:ec2/natGateway:NatGateway::nat",
                reason: "region mars-east-1 is not in the price table",
            },
        ]);
    });

    it("prices extended support by the dated calendar: only a version past standard support", () => {
        const cluster = (name: string, version: string, supportType: string) =>
            res(
                "aws:eks/cluster:Cluster",
                name,
                { ...eksCluster.inputs, version, upgradePolicy: { supportType } },
                { provider: aws },
            );
        const e = estimateMonthlyCost(
            [
                aws,
                cluster("old", "1.33", "EXTENDED"),
                cluster("current", "1.35", "EXTENDED"),
                cluster("standard", "1.33", "STANDARD"),
            ],
            { asOf: "2026-12-02", traffic: NO_TRAFFIC },
        );
        assert.deepStrictEqual(
            e.lines.map((l) => [l.urn.split("::").pop(), l.description, l.monthlyUsd]),
            [
                [
                    "old",
                    "managed control plane (EKS extended support: 1.33 left standard support 2026-07-29)",
                    438, // 0.60 x 730
                ],
                ["current", "managed control plane", 73], // 1.35 is in standard support until 2027-03-27
                ["standard", "managed control plane", 73], // AWS upgrades it instead
            ],
        );
        assert.strictEqual(EKS_EXTENDED_SUPPORT_HOUR, 0.6);
    });

    it("carries the same EKS calendar as config/catalog.ts", () => {
        assert.deepStrictEqual(
            EKS_STANDARD_SUPPORT_END,
            Object.fromEntries(
                Object.entries(KUBERNETES_RELEASES).map(([v, r]) => [v, r.eksEndOfStandard]),
            ),
        );
    });

    it("passes within budget and fails over budget, worst case, or (advisory) when incomplete", () => {
        const nat = res("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: aws });
        const cfg = { traffic: NO_TRAFFIC };
        assert.deepStrictEqual(
            check(monthlyBudget, [aws, eksCluster, nat], { ...cfg, budgetUsd: 200 }),
            [],
        );
        assert.deepStrictEqual(
            messages(check(monthlyBudget, [aws, eksCluster, nat], { ...cfg, budgetUsd: 100 })),
            [
                "estimated monthly cost $116.07 at desired size exceeds the budget of $100.00 for stack test (control-planes $73.00, nat-gateways $43.07; prices of 2025-06-01)",
            ],
        );
        assert.strictEqual(
            check(monthlyBudget, [aws, eksCluster, nat], {
                ...cfg,
                budgetUsd: 100,
                stackBudgetsUsd: { test: 150 },
            }).length,
            0,
        );
        const elastic = res(
            "aws:eks/nodeGroup:NodeGroup",
            "elastic",
            {
                instanceTypes: ["m6i.large"],
                diskSize: 0,
                scalingConfig: { desiredSize: 2, minSize: 2, maxSize: 40 },
            },
            { provider: aws },
        );
        assert.deepStrictEqual(
            messages(
                check(monthlyBudget, [aws, elastic], {
                    ...cfg,
                    budgetUsd: 1000,
                    worstCaseBudgetUsd: 1000,
                }),
            ),
            [
                "worst-case monthly cost $3504.00 (every autoscaler at its maximum; $175.20 at desired size) exceeds the worst-case budget of $1000.00 for stack test: elastic 2 (2-40) x m6i.large up to $3504.00",
            ],
        );
        const lost = res("aws:ec2/natGateway:NatGateway", "lost", {});
        assert.deepStrictEqual(check(monthlyBudget, [lost], { ...cfg, budgetUsd: 100 }), []);
        assert.deepStrictEqual(
            check(estimateComplete, [lost], cfg, "advisory").map((v) => [
                v.enforcementLevel,
                v.message,
            ]),
            [
                [
                    "advisory",
                    "cost estimate is incomplete: lost (region unknown); the budget check leaves it out",
                ],
            ],
        );
        assert.strictEqual(estimateComplete.enforcementLevel, "advisory");
    });

    it("caps instance sizes per environment", () => {
        const ng = (t: string) =>
            res("aws:eks/nodeGroup:NodeGroup", t, { instanceTypes: [t] }, { provider: aws });
        assert.deepStrictEqual(
            found(
                check(instanceSizeCeiling, [ng("t3.large"), ng("m6i.xlarge"), ng("m6i.24xlarge")], {
                    maxVcpus: 4,
                }),
            ),
            [
                [
                    "m6i.24xlarge",
                    "instance type m6i.24xlarge (96 vCPUs) is above this environment's ceiling of 4 vCPUs; use a smaller size or more nodes",
                ],
            ],
        );
    });
});
