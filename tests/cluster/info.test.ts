import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RecordedRun, runDeclarations } from "../harness";
import { testConfig, validGcpRawConfig } from "../support/fixtures";
import { createClusters } from "../../platform/clusters";
import { ClusterInfo, toLabels } from "../../components/types";
import { regionTags } from "../../platform/tags";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const urnOf = (r: pulumi.Resource): Promise<string> => value(r.urn);

describe("clusters: ClusterInfo contract", function () {
    this.timeout(120000);

    describe("EKS", () => {
        const cfg = testConfig();
        let infos: ClusterInfo[];
        let run: RecordedRun;
        before(async () => {
            run = await runDeclarations(() => {
                infos = createClusters(cfg);
            });
        });

        it("returns the clusters in config order (primary first) with their mesh network names", () => {
            assert.deepEqual(
                infos.map((i) => [i.name, i.cloud, i.network, i.cloudRegion]),
                [
                    ["singapore", "aws", "network-singapore", "ap-southeast-1"],
                    ["tokyo", "aws", "network-tokyo", "ap-northeast-1"],
                ],
            );
            assert.deepEqual(
                infos.map((i) => i.tags),
                cfg.regions.map((r) => regionTags(cfg, r)),
            );
        });

        it("exposes name, endpoint, CA, OIDC issuer and provider ARN from the cluster", async () => {
            const eks = run.one("aws:eks/cluster:Cluster", "singapore-eks");
            const oidc = run.one(
                "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
                "singapore-oidc",
            );
            const i = infos[0];
            assert.ok(i.cloud === "aws");
            assert.equal(await value(i.clusterName), "mesh-test-singapore");
            assert.equal(await value(i.endpoint), eks.outputs.endpoint);
            assert.equal(
                await value(i.certificateAuthority),
                (eks.outputs.certificateAuthority as { data: string }).data,
            );
            assert.equal(
                await value(i.oidcIssuer),
                String(
                    (eks.outputs.identities as { oidcs: { issuer: string }[] }[])[0].oidcs[0]
                        .issuer,
                ).replace("https://", ""),
            );
            assert.equal(await value(i.oidcProviderArn), oidc.outputs.arn);
            assert.equal((i as unknown as Record<string, unknown>).workloadIdentityPool, undefined);
            assert.equal((i as unknown as Record<string, unknown>).gcpProvider, undefined);
            assert.equal(
                await urnOf(i.awsProvider),
                run.one("pulumi:providers:aws", "aws-singapore").urn,
            );
            assert.equal(
                await urnOf(i.provider),
                run.one("pulumi:providers:kubernetes", "singapore-k8s").urn,
            );
        });

        it("keeps the kubeconfig secret", async () => {
            assert.equal(await pulumi.isSecret(infos[0].kubeconfig), true);
            const kc = JSON.parse(await value(infos[1].kubeconfig));
            assert.deepEqual(kc.users[0].user.exec.args, [
                "eks",
                "get-token",
                "--cluster-name",
                "mesh-test-tokyo",
                "--region",
                "ap-northeast-1",
                "--role-arn",
                "arn:aws:iam::111122223333:role/platform-admin",
                "--output",
                "json",
            ]);
            assert.equal(kc["current-context"], "tokyo");
        });

        it("is ready once node groups, core add-ons and the default StorageClass are; LoadBalancers also wait for the LB controller", async () => {
            const ready = await Promise.all(infos[0].ready.map(urnOf));
            const want = [
                ["aws:eks/nodeGroup:NodeGroup", "singapore-system"],
                ["aws:eks/nodeGroup:NodeGroup", "singapore-workloads"],
                ["aws:eks/addon:Addon", "singapore-vpc-cni"],
                ["aws:eks/addon:Addon", "singapore-kube-proxy"],
                ["aws:eks/addon:Addon", "singapore-coredns"],
                ["aws:eks/addon:Addon", "singapore-aws-ebs-csi-driver"],
                ["kubernetes:storage.k8s.io/v1:StorageClass", "singapore-gp3"],
            ].map(([t, n]) => run.one(t, n).urn);
            assert.deepEqual(ready, want);
            const lbReady = await Promise.all(infos[0].loadBalancersReady.map(urnOf));
            assert.deepEqual(lbReady, [
                ...want,
                run.one("kubernetes:helm.sh/v3:Release", "singapore-lb-controller-release").urn,
            ]);
        });
    });

    describe("GKE", () => {
        const cfg = testConfig(validGcpRawConfig());
        let infos: ClusterInfo[];
        let run: RecordedRun;
        before(async () => {
            run = await runDeclarations(() => {
                infos = createClusters(cfg);
            });
        });

        it("exposes the same contract with the workload identity pool instead of OIDC", async () => {
            const gke = run.one("gcp:container/cluster:Cluster", "tokyo-gke");
            const i = infos[1];
            assert.deepEqual([i.name, i.cloud, i.network], ["tokyo", "gcp", "network-tokyo"]);
            assert.ok(i.cloud === "gcp");
            assert.equal(await value(i.workloadIdentityPool), "edtech-platform-prod.svc.id.goog");
            assert.equal(i.project, "edtech-platform-prod");
            assert.equal((i as unknown as Record<string, unknown>).oidcIssuer, undefined);
            assert.equal((i as unknown as Record<string, unknown>).awsProvider, undefined);
            assert.equal(await value(i.endpoint), `https://${gke.outputs.endpoint}`);
            assert.equal(await value(i.clusterName), gke.outputs.name);
            assert.deepEqual(i.tags, toLabels(regionTags(cfg, cfg.regions[1])));
            assert.equal(await pulumi.isSecret(i.kubeconfig), true);
            assert.equal(
                await urnOf(i.gcpProvider),
                run.one("pulumi:providers:gcp", "gcp-tokyo").urn,
            );
            assert.deepEqual(await Promise.all(i.ready.map(urnOf)), [
                run.one("gcp:container/nodePool:NodePool", "tokyo-system").urn,
                run.one("gcp:container/nodePool:NodePool", "tokyo-workloads").urn,
            ]);
        });
    });
});
