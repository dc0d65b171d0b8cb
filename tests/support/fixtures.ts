/**
 * Shared fixtures: a valid raw stack config, a resolved PlatformConfig, and a ClusterInfo with real
 * providers (for testing components above the cluster layer without building clusters).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { parseConfig, PlatformConfig } from "./config";
import { ClusterInfo, toLabels } from "../../components/types";
import { regionTags } from "../../platform/tags";

/** A complete, valid raw config (keys without namespace), two AWS regions, prod. */
export function validRawConfig(): Record<string, unknown> {
    return {
        environment: "prod",
        tags: { team: "platform", "cost-center": "edtech-platform" },
        regions: [
            {
                name: "singapore",
                cloud: "aws",
                region: "ap-southeast-1",
                primary: true,
                vpcCidr: "10.10.0.0/16",
            },
            { name: "tokyo", cloud: "aws", region: "ap-northeast-1", vpcCidr: "10.20.0.0/16" },
        ],
        kubernetes: {
            version: "1.35",
            adminRoleArn: "arn:aws:iam::111122223333:role/platform-admin",
        },
        // Prod must declare its deployer network; here a management VPC (peered with every region).
        deployer: {
            managementVpc: {
                id: "vpc-0a1b2c3d4e5f60789",
                region: "ap-southeast-1",
                cidr: "10.0.0.0/16",
                routeTableIds: ["rtb-0a1b2c3d4e5f60789"],
            },
        },
        mesh: {
            meshId: "edtech-mesh",
            serviceCount: 120,
            // Istio 1.30 is past its end of life (2026-11-30): 1.31.1 runs next to it as the canary.
            istio: {
                revisions: [
                    { version: "1.30.3", tags: ["stable"] },
                    { version: "1.31.1", tags: ["canary"] },
                ],
            },
            jwt: {
                issuer: "https://auth.example.com/",
                jwksUri: "https://auth.example.com/.well-known/jwks.json",
            },
        },
        dns: { zoneId: "Z0123456789EXAMPLE", zoneName: "example.com", hostname: "app.example.com" },
        certificates: { acmeEmail: "platform@example.com" },
        alerting: {
            emailTo: "alerts@example.com",
            emailFrom: "am@example.com",
            smtpSmarthost: "smtp.example.com:25",
        },
        caVault: {
            deployers: ["arn:aws:iam::111122223333:role/ci-deploy"],
            breakGlass: "arn:aws:iam::111122223333:role/mesh-ca-break-glass",
        },
        // A secret (FIXTURE_SECRET_KEYS in ./config counts it as set with --secret).
        backupRepositoryPassword: "fixture-kopia-repository-password",
    };
}

/** A valid raw config for two GCP regions. */
export function validGcpRawConfig(): Record<string, unknown> {
    return {
        ...validRawConfig(),
        gcpProject: "edtech-platform-prod",
        kubernetes: {},
        deployer: { cidrs: ["198.51.100.0/28"] },
        caVault: {
            deployers: ["ci-deploy@edtech-platform-prod.iam.gserviceaccount.com"],
            breakGlass: "mesh-ca-break-glass@edtech-platform-prod.iam.gserviceaccount.com",
        },
        regions: [
            {
                name: "singapore",
                cloud: "gcp",
                region: "asia-southeast1",
                primary: true,
                vpcCidr: "10.70.0.0/20",
                podsCidr: "10.72.0.0/14",
                servicesCidr: "10.76.0.0/20",
            },
            {
                name: "tokyo",
                cloud: "gcp",
                region: "asia-northeast1",
                vpcCidr: "10.80.0.0/20",
                podsCidr: "10.84.0.0/14",
                servicesCidr: "10.88.0.0/20",
            },
        ],
        dns: {
            provider: "clouddns",
            zoneId: "example-com",
            zoneName: "example.com",
            hostname: "app.example.com",
        },
    };
}

/** Resolved config from the valid raw config with top-level keys replaced by `overrides`. */
export function testConfig(
    overrides: Record<string, unknown> = {},
    stack = "test",
): PlatformConfig {
    return parseConfig(stack, { ...validRawConfig(), ...overrides });
}

/**
 * A ClusterInfo for `regionName` with a real cloud provider and a Kubernetes provider on a fake
 * kubeconfig. Call inside runDeclarations.
 */
export function testCluster(cfg: PlatformConfig, regionName: string): ClusterInfo {
    const region = cfg.regions.find((r) => r.name === regionName);
    if (!region) throw new Error(`no region ${regionName} in the test config`);
    const tags = regionTags(cfg, region);
    const endpoint = `https://${regionName}.example.internal`;
    const kubeconfig = pulumi.secret(
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            "current-context": regionName,
            clusters: [
                {
                    name: regionName,
                    cluster: { server: endpoint, "certificate-authority-data": "Q0E=" },
                },
            ],
            contexts: [{ name: regionName, context: { cluster: regionName, user: regionName } }],
            users: [
                {
                    name: regionName,
                    user:
                        region.cloud === "aws"
                            ? {
                                  exec: {
                                      apiVersion: "client.authentication.k8s.io/v1beta1",
                                      command: "aws",
                                      args: [
                                          "eks",
                                          "get-token",
                                          "--cluster-name",
                                          `${regionName}-cluster`,
                                          "--region",
                                          region.region,
                                      ],
                                  },
                              }
                            : {
                                  exec: {
                                      apiVersion: "client.authentication.k8s.io/v1beta1",
                                      command: "gke-gcloud-auth-plugin",
                                      provideClusterInfo: true,
                                  },
                              },
                },
            ],
        }),
    );
    const provider = new k8s.Provider(`${regionName}-k8s`, {
        kubeconfig,
        enableServerSideApply: true,
        enableSecretMutable: true,
    });
    const common = {
        name: regionName,
        cloudRegion: region.region,
        primary: region.primary,
        network: `network-${regionName}`,
        clusterName: pulumi.output(`${regionName}-cluster`),
        endpoint: pulumi.output(endpoint),
        certificateAuthority: pulumi.output("Q0E="),
        kubeconfig,
        provider,
        ready: [],
        loadBalancersReady: [],
    };
    if (region.cloud === "aws") {
        const awsProvider = new aws.Provider(`${regionName}-aws`, {
            region: region.region as aws.Region,
        });
        return {
            ...common,
            cloud: "aws",
            awsProvider,
            tags,
            oidcIssuer: pulumi.output(
                `oidc.eks.${region.region}.amazonaws.com/id/TEST${regionName.toUpperCase()}`,
            ),
            oidcProviderArn: pulumi.output(
                `arn:aws:iam::111122223333:oidc-provider/oidc.eks.${region.region}.amazonaws.com/id/TEST${regionName.toUpperCase()}`,
            ),
        };
    }
    const gcpProvider = new gcp.Provider(`${regionName}-gcp`, {
        project: cfg.gcpProject,
        region: region.region,
    });
    return {
        ...common,
        cloud: "gcp",
        project: cfg.gcpProject!,
        gcpProvider,
        tags: toLabels(tags),
        workloadIdentityPool: pulumi.output(`${cfg.gcpProject}.svc.id.goog`),
    };
}
