/**
 * Composition of the chaos area: the DR drill's lock table in the secondary region (the side a drill
 * never fails; the primary's region when the stack has one), and with `drill.fis.enabled` the FIS
 * experiment template against the primary's private subnets. AWS stacks only.
 */
import type { PlatformConfig } from "../config";
import { DrillResources } from "../components/chaos";
import { eksClusterName } from "../config/catalog";
import type { ClusterInfo, EksClusterInfo } from "../components/types";

export function composeChaos(
    cfg: PlatformConfig,
    clusters: readonly ClusterInfo[],
): { resources: DrillResources; region: string } | undefined {
    const aws = clusters.filter((c): c is EksClusterInfo => c.cloud === "aws");
    const primary = aws.find((c) => c.primary);
    if (!primary) return undefined;
    const home = aws.find((c) => !c.primary) ?? primary;
    const fis = cfg.drill.fis;
    const resources = new DrillResources("drill", {
        stack: cfg.stack,
        provider: home.awsProvider,
        tags: home.tags,
        protect: cfg.protect,
        fis: fis
            ? {
                  subnetTags: {
                      [`kubernetes.io/cluster/${eksClusterName(cfg.stack, primary.name)}`]:
                          "shared",
                      "kubernetes.io/role/internal-elb": "1",
                  },
                  stopAlarmArn: fis.stopAlarmArn,
                  duration: fis.duration,
                  provider: primary.awsProvider,
              }
            : undefined,
    });
    return { resources, region: home.cloudRegion };
}
