/**
 * Day-0 properties of the real committed stacks: the identity the kubeconfigs authenticate as, IMDS,
 * the Cluster Autoscaler, the service CIDR, the API security group rules and the deployer network,
 * GKE secrets encryption and maintenance, and the first deploy's critical path.
 */
import { strict as assert } from "assert";
import { RecordedResource, RecordedRun, runStack } from "../harness";
import { estimateDeploy } from "../../tools/planfile";
import { clusterAutoscalerPolicy } from "../../components/cluster/cluster-autoscaler";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../../components/cluster/versions";
import { MOCK_GCP_PROJECT_NUMBER } from "../../tools/mocks";

/** A secret input as recorded (a sentinel object holding the value) or a plain value. */
function unsecret(v: unknown): unknown {
    if (v && typeof v === "object" && "value" in v) return v.value;
    return v;
}

interface Kubeconfig {
    users: { user: { exec: { command: string; args: string[] } } }[];
}

/** The value after `flag` in an exec argument list. */
const argAfter = (args: readonly string[], flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
};

const clusterOf = (run: RecordedRun, r: RecordedResource) => run.byUrn(r.parent!)!.name; // parent is the EksCluster component (`singapore`)

describe("day 0: prod (EKS)", function () {
    this.timeout(300000);
    let run: RecordedRun;
    before(async () => {
        run = await runStack("prod");
    });

    it("every Kubernetes provider's kubeconfig assumes exactly the role its cluster's access entry admits", () => {
        const providers = run.ofType("pulumi:providers:kubernetes");
        assert.equal(providers.length, 2);
        for (const p of providers) {
            const region = clusterOf(run, p);
            const kubeconfig = JSON.parse(String(unsecret(p.plainInputs.kubeconfig))) as Kubeconfig;
            const exec = kubeconfig.users[0].user.exec;
            assert.equal(exec.command, "aws");
            assert.deepEqual(exec.args.slice(0, 2), ["eks", "get-token"]);
            const entries = run
                .ofType("aws:eks/accessEntry:AccessEntry")
                .filter((e) => clusterOf(run, e) === region);
            const admitted = entries.map((e) => e.inputs.principalArn);
            assert.deepEqual(admitted, ["arn:aws:iam::111122223333:role/platform-admin"]);
            assert.equal(argAfter(exec.args, "--role-arn"), admitted[0], region);
            assert.equal(exec.args.filter((a) => a === "--role-arn").length, 1);
            // The admin role's policy association is the cluster-admin one.
            const assoc = run
                .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
                .filter((a) => clusterOf(run, a) === region);
            assert.deepEqual(
                assoc.map((a) => [a.inputs.principalArn, a.inputs.policyArn]),
                [
                    [
                        admitted[0],
                        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    ],
                ],
            );
        }
    });

    it("the kubeconfigs in the stack's cluster outputs assume the same role", () => {
        const clusters = (run.outputs as { clusters: { name: string; kubeconfig: unknown }[] })
            .clusters;
        assert.equal(clusters.length, 2);
        for (const c of clusters) {
            const k = JSON.parse(String(unsecret(c.kubeconfig))) as Kubeconfig;
            assert.equal(
                argAfter(k.users[0].user.exec.args, "--role-arn"),
                "arn:aws:iam::111122223333:role/platform-admin",
                c.name,
            );
        }
    });

    it("node launch templates allow IMDSv2 only with hop limit 1 (pods cannot reach the node role)", () => {
        const lts = run.ofType("aws:ec2/launchTemplate:LaunchTemplate");
        assert.equal(lts.length, 4);
        for (const lt of lts)
            assert.deepEqual(lt.inputs.metadataOptions, {
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: 1,
            });
    });

    it("installs the Cluster Autoscaler per cluster: pinned chart, IRSA scoped by the cluster tag, system nodes", () => {
        for (const region of ["singapore", "tokyo"]) {
            const rel = run.one(
                "kubernetes:helm.sh/v3:Release",
                `${region}-cluster-autoscaler-release`,
            );
            assert.equal(rel.inputs.chart, "cluster-autoscaler");
            assert.equal(rel.inputs.version, "9.59.0");
            assert.deepEqual(rel.inputs.repositoryOpts, {
                repo: "https://kubernetes.github.io/autoscaler",
            });
            const v = rel.inputs.values as Record<string, any>;
            const cluster = `mesh-prod-${region}`;
            assert.equal(v.autoDiscovery.clusterName, cluster);
            const version = String(
                run.one("aws:eks/cluster:Cluster", `${region}-eks`).inputs.version,
            );
            assert.equal(v.image.tag, CLUSTER_AUTOSCALER_IMAGE_TAGS[version]);
            assert.match(v.image.tag, new RegExp(`^v${version.replace(".", "\\.")}\\.`));
            assert.equal(v.replicaCount, 2);
            assert.deepEqual(v.nodeSelector, { "node-role": "system" });
            assert.deepEqual(v.tolerations, [
                { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" },
            ]);
            assert.match(
                String(v.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]),
                /^arn:aws:iam::111122223333:role\//,
            );
            const policy = run.one(
                "aws:iam/rolePolicy:RolePolicy",
                `${region}-cluster-autoscaler-irsa-policy`,
            );
            assert.deepEqual(
                JSON.parse(String(policy.inputs.policy)),
                clusterAutoscalerPolicy(cluster),
            );
            const write = (clusterAutoscalerPolicy(cluster) as any).Statement[1];
            assert.deepEqual(write.Condition, {
                StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "owned" },
            });
            for (const role of ["system", "workloads"]) {
                const ng = run.one("aws:eks/nodeGroup:NodeGroup", `${region}-${role}`);
                const tags = ng.inputs.tags as Record<string, string>;
                assert.equal(tags["k8s.io/cluster-autoscaler/enabled"], "true");
                assert.equal(tags[`k8s.io/cluster-autoscaler/${cluster}`], "owned");
                assert.deepEqual(ng.ignoreChanges, ["scalingConfig.desiredSize"]);
            }
        }
    });

    it("sets the service CIDR EKS assigned to these 10.x VPCs (172.20.0.0/16: no replacement)", () => {
        for (const c of run.ofType("aws:eks/cluster:Cluster"))
            assert.deepEqual(c.inputs.kubernetesNetworkConfig, {
                ipFamily: "ipv4",
                serviceIpv4Cidr: "172.20.0.0/16",
            });
    });

    it("names the API security group rules by CIDR, aliased from their index names, and admits the deployer", () => {
        const rules = run
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => /^(singapore|tokyo)-api-/.test(r.name));
        const byName = Object.fromEntries(
            rules.map((r) => [
                r.name,
                [r.inputs.cidrIpv4, r.aliases.map((a) => a.split("::").pop())],
            ]),
        );
        assert.deepEqual(byName, {
            "singapore-api-10-10-0-0-16": ["10.10.0.0/16", ["singapore-api-0"]],
            "singapore-api-10-20-0-0-16": ["10.20.0.0/16", ["singapore-api-1"]],
            "singapore-api-10-0-0-0-16": ["10.0.0.0/16", []],
            "tokyo-api-10-20-0-0-16": ["10.20.0.0/16", ["tokyo-api-0"]],
            "tokyo-api-10-10-0-0-16": ["10.10.0.0/16", ["tokyo-api-1"]],
            "tokyo-api-10-0-0-0-16": ["10.0.0.0/16", []],
        });
    });

    it("peers the management VPC with every regional VPC, routes both ways, accepts in its region", () => {
        const aws = (name: string) => run.byUrn(run.one("pulumi:providers:aws", name).urn)!;
        const mgmt = aws("aws-management");
        assert.equal(mgmt.inputs.region, "ap-southeast-1");
        for (const region of ["singapore", "tokyo"]) {
            const req = run.one(
                "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                `management-${region}-request`,
            );
            assert.equal(req.inputs.peerVpcId, "vpc-0a1b2c3d4e5f60789");
            assert.equal(req.inputs.peerRegion, "ap-southeast-1");
            assert.equal(req.provider, aws(`aws-${region}`).urn);
            const acc = run.one(
                "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                `management-${region}-accept`,
            );
            assert.equal(acc.provider, mgmt.urn);
            const routes = run
                .ofType("aws:ec2/route:Route")
                .filter((r) => r.name.startsWith(`management-${region}-`));
            const toMgmt = routes.filter((r) => r.inputs.destinationCidrBlock === "10.0.0.0/16");
            assert.equal(toMgmt.length, 3);
            const back = routes.filter((r) => r.provider === mgmt.urn);
            assert.deepEqual(
                back.map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock]),
                [
                    [
                        "rtb-0a1b2c3d4e5f60789",
                        region === "singapore" ? "10.10.0.0/16" : "10.20.0.0/16",
                    ],
                ],
            );
            // The Kubernetes provider waits for the deployer's route.
            const k8s = run.one("pulumi:providers:kubernetes", `${region}-k8s`);
            // (dependsOn on the component expands to its resources: the accepter and the routes)
            assert.ok(k8s.dependencies.includes(acc.urn), region);
            for (const r of routes) assert.ok(k8s.dependencies.includes(r.urn), r.name);
        }
    });

    it("only LoadBalancer Services wait for the LB controller; istio-base waits for no node", () => {
        for (const region of ["singapore", "tokyo"]) {
            const lb = run.one("kubernetes:helm.sh/v3:Release", `${region}-lb-controller-release`);
            const ms = run.one("kubernetes:helm.sh/v3:Release", `${region}-metrics-server`);
            const base = run.one("kubernetes:helm.sh/v3:Release", `mesh-${region}-base`);
            const istiod = run.one("kubernetes:helm.sh/v3:Release", `mesh-${region}-istiod`);
            const svc = run.one("kubernetes:core/v1:Service", `mesh-${region}-ingress-service`);
            const ew = run.one("kubernetes:helm.sh/v3:Release", `mesh-${region}-eastwest`);
            assert.ok(
                !lb.dependencies.includes(ms.urn),
                "lb controller does not wait for metrics-server",
            );
            assert.ok(
                !istiod.dependencies.includes(lb.urn),
                "istiod does not wait for the lb controller",
            );
            assert.ok(!istiod.dependencies.includes(ms.urn));
            assert.ok(!base.dependencies.some((d) => d.includes("NodeGroup")));
            assert.ok(
                svc.dependencies.includes(lb.urn),
                "ingress Service waits for the controller",
            );
            assert.ok(
                ew.dependencies.includes(lb.urn),
                "east-west gateway (its own LB Service) waits",
            );
            assert.ok(istiod.dependencies.some((d) => d.endsWith(`NodeGroup::${region}-system`)));
        }
    });

    it("estimates the first deploy at most 24 minutes", () => {
        const est = estimateDeploy(run.result);
        assert.ok(est.totalSeconds <= 24 * 60, `estimate ${est.totalSeconds}s`);
    });
});

describe("day 0: gcp (GKE)", function () {
    this.timeout(300000);
    let run: RecordedRun;
    before(async () => {
        run = await runStack("gcp");
    });

    it("encrypts Secrets with a protected per-region Cloud KMS key the GKE service agent may use", () => {
        for (const region of ["singapore", "tokyo"]) {
            const ring = run.one("gcp:kms/keyRing:KeyRing", `${region}-secrets`);
            const key = run.one("gcp:kms/cryptoKey:CryptoKey", `${region}-secrets`);
            assert.equal(ring.protect, true);
            assert.equal(key.protect, true);
            assert.equal(
                ring.inputs.location,
                region === "singapore" ? "asia-southeast1" : "asia-northeast1",
            );
            const grant = run.one(
                "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
                `${region}-secrets-gke-agent`,
            );
            assert.equal(grant.inputs.role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
            assert.equal(
                grant.inputs.member,
                `serviceAccount:service-${MOCK_GCP_PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com`,
            );
            const gke = run.one("gcp:container/cluster:Cluster", `${region}-gke`);
            assert.deepEqual(gke.inputs.databaseEncryption, {
                state: "ENCRYPTED",
                keyName: grant.inputs.cryptoKeyId,
            });
            assert.ok(gke.dependencies.includes(grant.urn));
            const w = (gke.inputs.maintenancePolicy as any).recurringWindow;
            assert.equal(w.recurrence, "FREQ=DAILY");
            assert.equal(Date.parse(w.endTime) - Date.parse(w.startTime), 4 * 3600 * 1000);
            assert.deepEqual(gke.inputs.releaseChannel, { channel: "STABLE" });
            const auth = (gke.inputs.masterAuthorizedNetworksConfig as any).cidrBlocks as {
                cidrBlock: string;
            }[];
            assert.ok(
                auth.some((b) => b.cidrBlock === "198.51.100.0/28"),
                "deployer admitted",
            );
        }
    });
});
