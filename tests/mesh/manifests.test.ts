import { strict as assert } from "assert";
import { testConfig, validRawConfig, validGcpRawConfig } from "../support/fixtures";
import {
    GATEWAY_NAMESPACE,
    JAEGER_COLLECTOR_HOST,
    JAEGER_OTLP_GRPC_PORT,
    TRACING_PROVIDER_NAME,
} from "../../components/constants";
import { crossNetworkGateway, publicGateway } from "../../components/mesh/gateways";
import type { MeshMember } from "../../components/mesh/member";
import { meshIstioResources, MeshPolicy } from "../../components/mesh/mesh-resources";
import { spiffePrincipal } from "../../components/mesh/naming";
import { remoteKubeconfig, remoteSecretMetadata } from "../../components/mesh/remote-secrets";
import {
    ingressRequestAuthentication,
    ingressRequireJwt,
    meshPeerAuthentication,
} from "../../components/mesh/security";
import { sizeBand } from "../../components/mesh/sizing";
import { meshTelemetry } from "../../components/mesh/telemetry";
import {
    baseValues,
    ControlPlaneSettings,
    gatewayValues,
    ingressService,
    istiodValues,
} from "../../components/mesh/values";
import { ISTIO_REVISION, ISTIO_VERSION } from "../../components/mesh/version";
import {
    allowFromIngress,
    defaultDeny,
    examIntegrity,
    userDataProtection,
} from "../../components/tenant/authorization";
import { APP_DOMAINS, namespaceOf, publicRoutePaths } from "../../components/tenant/domains";
import { tenantIstioResources, TenantMeshFacts } from "../../components/tenant/resources";
import {
    localityFailover,
    publicVirtualService,
    serviceDestinationRule,
    serviceVirtualService,
} from "../../components/tenant/traffic";
import { meshMembers } from "../../platform/mesh";
import type { PlatformConfig } from "../../config";
import { schemaErrors, strictProblems, unknownFields } from "./schema";

const regions4 = [
    {
        name: "singapore",
        cloud: "aws",
        region: "ap-southeast-1",
        primary: true,
        vpcCidr: "10.10.0.0/16",
    },
    { name: "tokyo", cloud: "aws", region: "ap-northeast-1", vpcCidr: "10.20.0.0/16" },
    { name: "frankfurt", cloud: "aws", region: "eu-central-1", vpcCidr: "10.30.0.0/16" },
    { name: "virginia", cloud: "aws", region: "us-east-1", vpcCidr: "10.40.0.0/16" },
];
const rawMesh = (patch: Record<string, unknown>) => ({
    ...(validRawConfig().mesh as Record<string, unknown>),
    ...patch,
});
const membersOf = (cfg: ReturnType<typeof testConfig>): MeshMember[] =>
    meshMembers(
        cfg,
        cfg.regions.map((r) => ({ name: r.name, network: `network-${r.name}` })),
    );
/** The builders' args as the composition decides them from a config (platform/mesh.ts meshArgs + Mesh defaults). */
const controlPlane = (cfg: PlatformConfig): ControlPlaneSettings => ({
    meshId: cfg.mesh.meshId,
    band: sizeBand(cfg.mesh.serviceCount),
    minReplicas: cfg.profile.minReplicas,
    logLevel: cfg.observability.logLevel,
    traceSamplingPercent: cfg.observability.traceSamplingPercent,
    outboundTrafficPolicy: cfg.mesh.outboundTrafficPolicy,
});
const ingressOf = (cfg: PlatformConfig) => ({
    hostnames: cfg.certificates.hostnames,
    tlsSecretName: cfg.mesh.ingressTlsSecretName,
});
const meshPolicy = (cfg: PlatformConfig): MeshPolicy => ({
    mtlsMode: cfg.mesh.mtlsMode,
    traceSamplingPercent: cfg.observability.traceSamplingPercent,
    ingress: ingressOf(cfg),
    jwt: cfg.mesh.jwt,
    jwtRequiredPaths: publicRoutePaths(),
});
const INGRESS_PRINCIPAL = spiffePrincipal(GATEWAY_NAMESPACE, "istio-ingressgateway");
const tenantFacts = (cfg: PlatformConfig): TenantMeshFacts => ({
    gatewayNamespaceName: GATEWAY_NAMESPACE,
    publicGatewayRef: `${GATEWAY_NAMESPACE}/public-gateway`,
    publicHostnames: cfg.certificates.hostnames,
    ingressPrincipal: INGRESS_PRINCIPAL,
    localities: membersOf(cfg),
});

describe("mesh: version pin", () => {
    it("defaults to one pinned Istio release and derives a DNS-safe revision from it", () => {
        assert.equal(ISTIO_VERSION, "1.30.3");
        assert.equal(ISTIO_REVISION, "1-30-3");
        assert.deepEqual(baseValues("1-31-0"), {
            defaultRevision: "1-31-0",
            global: { istioNamespace: "istio-system" },
        });
    });
});

describe("mesh: istiod values", () => {
    const cfg = testConfig();
    const [sg] = membersOf(cfg);

    it("sizes istiod by the guide's service bands", () => {
        assert.deepEqual([1, 49, 50, 199, 200, 5000].map(sizeBand), [
            "small",
            "small",
            "medium",
            "medium",
            "large",
            "large",
        ]);
        const resources = (n: number) =>
            istiodValues(
                controlPlane(testConfig({ mesh: rawMesh({ serviceCount: n }) })),
                sg,
                "d",
                "1-30-3",
            ).resources;
        assert.deepEqual(resources(10), {
            requests: { cpu: "100m", memory: "512Mi" },
            limits: { cpu: "500m", memory: "1Gi" },
        });
        assert.deepEqual(resources(120), {
            requests: { cpu: "500m", memory: "2Gi" },
            limits: { cpu: "1000m", memory: "4Gi" },
        });
        assert.deepEqual(resources(250), {
            requests: { cpu: "1000m", memory: "4Gi" },
            limits: { cpu: "2000m", memory: "8Gi" },
        });
    });

    it("sets mesh identity, sidecar resources, autoscaling, TLS, logs, egress, tracing and certificate TTL", () => {
        const v = istiodValues(controlPlane(cfg), sg, "digest-1", "1-30-3") as Record<string, any>;
        assert.equal(v.revision, "1-30-3");
        assert.deepEqual(v.global.multiCluster, { clusterName: "singapore" });
        assert.equal(v.global.meshID, "edtech-mesh");
        assert.equal(v.global.network, "network-singapore");
        assert.equal(v.global.logAsJson, true);
        assert.equal(v.global.logging.level, "default:warn");
        assert.deepEqual(v.global.proxy.resources, {
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { cpu: "200m", memory: "256Mi" },
        });
        assert.deepEqual([v.autoscaleEnabled, v.autoscaleMin, v.autoscaleMax], [true, 2, 5]);
        assert.deepEqual(v.cpu, { targetAverageUtilization: 70 });
        assert.deepEqual(v.memory, { targetAverageUtilization: 80 });
        assert.deepEqual(v.env, {
            RESOLVE_HOSTNAME_GATEWAYS: "true",
            ISTIO_MULTIROOT_MESH: "true",
            DEFAULT_WORKLOAD_CERT_TTL: "24h",
            MAX_WORKLOAD_CERT_TTL: "24h",
        });
        assert.deepEqual(v.podAnnotations, { "mesh-platform.io/cacerts-sha256": "digest-1" });
        const mc = v.meshConfig;
        assert.deepEqual(mc.meshMTLS, { minProtocolVersion: "TLSV1_2" });
        assert.equal(mc.tlsDefaults.minProtocolVersion, "TLSV1_2");
        assert.equal(mc.accessLogFile, "/dev/stdout");
        assert.equal(mc.accessLogEncoding, "JSON");
        assert.deepEqual(mc.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
        assert.deepEqual(mc.extensionProviders, [
            {
                name: TRACING_PROVIDER_NAME,
                opentelemetry: { service: JAEGER_COLLECTOR_HOST, port: JAEGER_OTLP_GRPC_PORT },
            },
        ]);
        assert.deepEqual(mc.defaultConfig.proxyMetadata, {
            SECRET_TTL: "24h",
            PROXY_CONFIG_XDS_AGENT: "true",
        });
        assert.equal(v.traceSampling, 1);
    });

    it("follows the environment: dev allows any egress, logs at debug and samples every trace", () => {
        const dev = testConfig({ environment: "dev" });
        const v = istiodValues(controlPlane(dev), membersOf(dev)[0], "d", "1-30-3") as Record<
            string,
            any
        >;
        assert.deepEqual(v.meshConfig.outboundTrafficPolicy, { mode: "ALLOW_ANY" });
        assert.equal(v.global.logging.level, "default:debug");
        assert.equal(v.global.proxy.logLevel, "debug");
        assert.equal(v.autoscaleMin, 1);
        assert.equal(v.traceSampling, 100);
    });
});

describe("mesh: gateway values", () => {
    const cfg = testConfig();
    const members = membersOf(cfg);
    const tags = { team: "platform", environment: "prod" };

    it("makes the east-west gateway a network gateway on an internal NLB reachable only from the peer regions' ranges", () => {
        const v = gatewayValues(
            controlPlane(cfg),
            members[0],
            "eastwest",
            members,
            tags,
            "stable",
        ) as Record<string, any>;
        assert.equal(v.networkGateway, "network-singapore");
        assert.equal(v.revision, "stable", "the gateway selects a tag, never a raw revision");
        assert.deepEqual(v.service.loadBalancerSourceRanges, ["10.20.0.0/16"]);
        const alone = gatewayValues(
            controlPlane(cfg),
            members[0],
            "eastwest",
            [members[0]],
            tags,
            "stable",
        ) as Record<string, any>;
        assert.deepEqual(
            alone.service.loadBalancerSourceRanges,
            ["10.10.0.0/16"],
            "never empty (= anywhere)",
        );
        assert.deepEqual(v.service.annotations, {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
            "service.beta.kubernetes.io/aws-load-balancer-attributes":
                "load_balancing.cross_zone.enabled=true",
            "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags":
                "environment=prod,team=platform",
        });
        assert.deepEqual(v.autoscaling, {
            enabled: true,
            minReplicas: 2,
            maxReplicas: 5,
            targetCPUUtilizationPercentage: 70,
            targetMemoryUtilizationPercentage: 80,
        });
        assert.deepEqual(v.podDisruptionBudget, { minAvailable: 1 });
    });

    it("puts the ingress gateway on an internet-facing NLB, not a network gateway, with the program's own Service", () => {
        const v = gatewayValues(
            controlPlane(cfg),
            members[0],
            "ingress",
            members,
            tags,
            "stable",
        ) as Record<string, any>;
        assert.equal(v.networkGateway, undefined);
        assert.deepEqual(
            v.service,
            { type: "None" },
            "the chart renders no Service for the ingress gateway",
        );
        const svc = ingressService(members[0], tags);
        assert.equal(
            svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internet-facing",
        );
        assert.equal(svc.spec.type, "LoadBalancer");
        assert.equal(svc.spec.loadBalancerSourceRanges, undefined);
    });

    it("uses a globally reachable internal load balancer on GKE and no PDB with one replica", () => {
        const gcp = testConfig({
            ...validGcpRawConfig(),
            environment: "dev",
            gcpProject: "edtech-platform-dev",
        });
        const ms = membersOf(gcp);
        const v = gatewayValues(controlPlane(gcp), ms[1], "eastwest", ms, {}, "stable") as Record<
            string,
            any
        >;
        assert.deepEqual(v.service.annotations, {
            "networking.gke.io/load-balancer-type": "Internal",
            "networking.gke.io/internal-load-balancer-allow-global-access": "true",
        });
        // The peer region's VPC, pod and service ranges (its pods reach the gateway unmasqueraded).
        assert.deepEqual(v.service.loadBalancerSourceRanges, [
            "10.70.0.0/20",
            "10.72.0.0/14",
            "10.76.0.0/20",
        ]);
        assert.deepEqual(v.podDisruptionBudget, {});
        assert.deepEqual(
            ingressService(ms[1], {}).metadata.annotations,
            {},
            "a plain external load balancer on GKE",
        );
    });

    it("uses only keys of the gateway chart's values schema (additionalProperties: false at the top)", () => {
        // Top-level properties of manifests/charts/gateway/values.schema.json at 1.30.3 that we may set.
        const allowed = new Set([
            "revision",
            "networkGateway",
            "service",
            "resources",
            "autoscaling",
            "podDisruptionBudget",
            "labels",
            "env",
            "name",
        ]);
        for (const role of ["eastwest", "ingress"] as const) {
            const keys = Object.keys(
                gatewayValues(controlPlane(cfg), members[0], role, members, tags, "stable"),
            );
            assert.deepEqual(
                keys.filter((k) => !allowed.has(k)),
                [],
                `${role} gateway values use keys outside the chart schema`,
            );
        }
    });
});

describe("mesh: locality failover", () => {
    it("fails the primary over to the secondary and every other region over to the primary", () => {
        const cfg = testConfig({ regions: regions4 });
        assert.deepEqual(localityFailover(membersOf(cfg)), [
            { from: "ap-southeast-1", to: "ap-northeast-1" },
            { from: "ap-northeast-1", to: "ap-southeast-1" },
            { from: "eu-central-1", to: "ap-southeast-1" },
            { from: "us-east-1", to: "ap-southeast-1" },
        ]);
    });

    it("has nothing to fail over to with one region", () => {
        const cfg = testConfig({ regions: [regions4[0]] });
        assert.deepEqual(localityFailover(membersOf(cfg)), []);
        assert.deepEqual(
            (serviceDestinationRule("user", "user-service", membersOf(cfg)).spec as any)
                .trafficPolicy.loadBalancer,
            { localityLbSetting: { enabled: true } },
        );
    });

    it("gives every domain service the guide's pool, breaker and outlier numbers with a deliberate 100 % ejection cap", () => {
        const cfg = testConfig();
        const dr = serviceDestinationRule("assessment", "exam-service", membersOf(cfg));
        assert.deepEqual(dr.spec, {
            host: "exam-service.assessment.svc.cluster.local",
            trafficPolicy: {
                connectionPool: {
                    tcp: { maxConnections: 100, connectTimeout: "10s" },
                    http: {
                        http1MaxPendingRequests: 50,
                        maxRequestsPerConnection: 10,
                        idleTimeout: "60s",
                    },
                },
                outlierDetection: {
                    consecutive5xxErrors: 5,
                    interval: "30s",
                    baseEjectionTime: "30s",
                    maxEjectionPercent: 100,
                },
                loadBalancer: {
                    localityLbSetting: {
                        enabled: true,
                        failover: [
                            { from: "ap-southeast-1", to: "ap-northeast-1" },
                            { from: "ap-northeast-1", to: "ap-southeast-1" },
                        ],
                    },
                },
            },
        });
        // The guide's retries for idempotent methods only; POST, PATCH and any other method are
        // retried only when the request never reached the upstream (no duplicate exam submission).
        const route = [{ destination: { host: "exam-service.assessment.svc.cluster.local" } }];
        assert.deepEqual(serviceVirtualService("assessment", "exam-service").spec, {
            hosts: ["exam-service.assessment.svc.cluster.local"],
            http: [
                {
                    name: "exam-service-idempotent",
                    match: ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"].map((m) => ({
                        method: { exact: m },
                    })),
                    route,
                    retries: {
                        attempts: 3,
                        perTryTimeout: "5s",
                        retryOn: "5xx,gateway-error,connect-failure",
                    },
                },
                {
                    name: "exam-service-other-methods",
                    route,
                    retries: { attempts: 2, retryOn: "connect-failure,refused-stream" },
                },
            ],
        });
    });
});

describe("mesh: security policy", () => {
    const cfg = testConfig();

    it("writes the guide's user-data-protection as one rule, so source, operation and role must all match", () => {
        const p = userDataProtection(cfg.mesh.jwt);
        assert.equal(p.metadata.namespace, "user");
        assert.deepEqual(p.spec, {
            selector: { matchLabels: { app: "user-service" } },
            action: "ALLOW",
            rules: [
                {
                    // The peer (mTLS) and the end user's token issuer in one source: AND-ed.
                    from: [
                        {
                            source: {
                                principals: ["cluster.local/ns/user/sa/frontend-service"],
                                requestPrincipals: [`${cfg.mesh.jwt.issuer}/*`],
                            },
                        },
                    ],
                    to: [{ operation: { methods: ["GET", "PUT"], paths: ["/api/v1/users/*"] } }],
                    // The role is the validated JWT's claim, not a header a caller could set.
                    when: [{ key: "request.auth.claims[role]", values: ["admin", "user-owner"] }],
                },
            ],
        });
    });

    it("writes the guide's exam-integrity as one rule with a real one-segment path template and a required token", () => {
        const p = examIntegrity(cfg.mesh.jwt);
        assert.equal(p.metadata.namespace, "assessment");
        const rules = (p.spec as any).rules;
        assert.equal(rules.length, 1);
        assert.deepEqual(rules[0].from, [
            {
                source: {
                    principals: ["cluster.local/ns/assessment/sa/exam-frontend"],
                    requestPrincipals: [`${cfg.mesh.jwt.issuer}/*`],
                },
            },
        ]);
        assert.deepEqual(rules[0].to, [
            { operation: { methods: ["GET"], paths: ["/api/v1/exams/{*}/questions"] } },
        ]);
        assert.deepEqual(rules[0].when, [
            // values ["*"] alone (present_match) admits an empty header; notValues [""] alone admits a missing one.
            { key: "request.headers[exam-session-token]", values: ["*"], notValues: [""] },
            { key: "request.auth.claims[user_verification]", values: ["verified"] },
        ]);
    });

    it("validates the forwarded JWT at each workload whose policy reads claims, with the stack's issuer", () => {
        const ras = tenantIstioResources(tenantFacts(cfg), cfg.mesh.jwt).filter(
            (m) => m.kind === "RequestAuthentication",
        );
        assert.deepEqual(
            ras.map((m) => [m.metadata.namespace, m.metadata.name, m.spec]),
            ["user-service", "exam-service"].map((svc) => [
                namespaceOf(svc),
                `jwt-${svc}`,
                {
                    selector: { matchLabels: { app: svc } },
                    jwtRules: [
                        {
                            issuer: cfg.mesh.jwt.issuer,
                            jwksUri: cfg.mesh.jwt.jwksUri,
                            ...(cfg.mesh.jwt.audiences.length > 0
                                ? { audiences: [...cfg.mesh.jwt.audiences] }
                                : {}),
                        },
                    ],
                },
            ]),
        );
        // Every ALLOW policy that reads claims has its RequestAuthentication (same namespace and app).
        const readers = tenantIstioResources(tenantFacts(cfg), cfg.mesh.jwt).filter((m) =>
            JSON.stringify(m.spec).includes("request.auth.claims"),
        );
        assert.deepEqual(
            readers.map((m) => [m.metadata.namespace, (m.spec as any).selector.matchLabels.app]),
            ras.map((m) => [m.metadata.namespace, (m.spec as any).selector.matchLabels.app]),
        );
    });

    it("denies everything by default in every app namespace and lets the ingress reach only the front doors", () => {
        assert.deepEqual(defaultDeny("content").spec, {});
        assert.deepEqual(
            allowFromIngress(
                { prefix: "/api/v1/exams", service: "exam-frontend" },
                INGRESS_PRINCIPAL,
            ).spec,
            {
                selector: { matchLabels: { app: "exam-frontend" } },
                action: "ALLOW",
                rules: [
                    {
                        from: [
                            {
                                source: {
                                    principals: [
                                        `cluster.local/ns/${GATEWAY_NAMESPACE}/sa/istio-ingressgateway`,
                                    ],
                                },
                            },
                        ],
                        to: [{ operation: { paths: ["/api/v1/exams", "/api/v1/exams/*"] } }],
                    },
                ],
            },
        );
        assert.throws(
            () => namespaceOf("billing-service"),
            /billing-service is not a service of any app domain/,
        );
    });

    it("validates JWTs at the ingress and denies public routes without a valid token", () => {
        assert.deepEqual(ingressRequestAuthentication(cfg.mesh.jwt).spec, {
            selector: { matchLabels: { istio: "ingressgateway" } },
            jwtRules: [
                {
                    issuer: "https://auth.example.com/",
                    jwksUri: "https://auth.example.com/.well-known/jwks.json",
                    forwardOriginalToken: true,
                },
            ],
        });
        const withAud = testConfig({
            mesh: rawMesh({ jwt: { ...cfg.mesh.jwt, audiences: ["learn-api"] } }),
        });
        assert.deepEqual(
            (ingressRequestAuthentication(withAud.mesh.jwt).spec as any).jwtRules[0].audiences,
            ["learn-api"],
        );
        assert.deepEqual(ingressRequireJwt(publicRoutePaths()).spec, {
            selector: { matchLabels: { istio: "ingressgateway" } },
            action: "DENY",
            rules: [
                {
                    from: [{ source: { notRequestPrincipals: ["*"] } }],
                    to: [
                        {
                            operation: {
                                paths: [
                                    "/api/v1/users",
                                    "/api/v1/users/*",
                                    "/api/v1/content",
                                    "/api/v1/content/*",
                                    "/api/v1/exams",
                                    "/api/v1/exams/*",
                                ],
                            },
                        },
                    ],
                },
            ],
        });
    });

    it("sets mesh-wide mTLS from config and traces to Jaeger at the profile's rate", () => {
        assert.deepEqual(meshPeerAuthentication(cfg.mesh.mtlsMode), {
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "default", namespace: "istio-system" },
            spec: { mtls: { mode: "STRICT" } },
        });
        const dev = testConfig({ environment: "dev", mesh: rawMesh({ mtlsMode: "PERMISSIVE" }) });
        assert.deepEqual(meshPeerAuthentication(dev.mesh.mtlsMode).spec, {
            mtls: { mode: "PERMISSIVE" },
        });
        assert.deepEqual(meshTelemetry(cfg.observability.traceSamplingPercent).spec, {
            tracing: [{ providers: [{ name: "jaeger" }], randomSamplingPercentage: 1 }],
        });
        assert.deepEqual(
            (meshTelemetry(dev.observability.traceSamplingPercent).spec as any).tracing[0]
                .randomSamplingPercentage,
            100,
        );
    });
});

describe("mesh: gateways and routes", () => {
    const cfg = testConfig();

    it("exposes *.local on 15443 with AUTO_PASSTHROUGH on the east-west gateway", () => {
        assert.deepEqual(crossNetworkGateway().spec, {
            selector: { istio: "eastwestgateway" },
            servers: [
                {
                    port: { number: 15443, name: "tls", protocol: "TLS" },
                    tls: { mode: "AUTO_PASSTHROUGH" },
                    hosts: ["*.local"],
                },
            ],
        });
    });

    it("serves the cert-manager secret with TLS 1.2+ and strong ciphers, and redirects HTTP", () => {
        const servers = (publicGateway(ingressOf(cfg)).spec as any).servers;
        assert.deepEqual(servers[0].tls, {
            mode: "SIMPLE",
            credentialName: "ingress-tls",
            minProtocolVersion: "TLSV1_2",
            cipherSuites: [
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "ECDHE-RSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
            ],
        });
        assert.deepEqual(
            servers[0].hosts,
            [
                "app.example.com",
                "singapore.app.example.com",
                "tokyo.app.example.com",
            ] /* + the regional names the Route 53 app checks call */,
        );
        assert.deepEqual(servers[1], {
            port: { number: 80, name: "http", protocol: "HTTP" },
            hosts: servers[0].hosts,
            tls: { httpsRedirect: true },
        });
        assert.equal(publicGateway(ingressOf(cfg)).metadata.namespace, GATEWAY_NAMESPACE);
    });

    it("routes public prefixes to front doors, retried by method, stripping client identity headers but not the exam session token", () => {
        const vs = publicVirtualService(tenantFacts(cfg)).spec as any;
        assert.deepEqual(vs.gateways, ["istio-gateways/public-gateway"]);
        assert.deepEqual(
            vs.http.map((h: any) => [h.name, h.route[0].destination.host]),
            [
                ["frontend-service-idempotent", "frontend-service.user.svc.cluster.local"],
                ["frontend-service-other-methods", "frontend-service.user.svc.cluster.local"],
                ["content-delivery-idempotent", "content-delivery.content.svc.cluster.local"],
                ["content-delivery-other-methods", "content-delivery.content.svc.cluster.local"],
                ["exam-frontend-idempotent", "exam-frontend.assessment.svc.cluster.local"],
                ["exam-frontend-other-methods", "exam-frontend.assessment.svc.cluster.local"],
            ],
        );
        for (const h of vs.http) {
            assert.deepEqual(h.headers, {
                request: {
                    remove: [
                        "x-user-role",
                        "user-verification",
                        "x-user-id",
                        "x-forwarded-user",
                        "x-remote-user",
                    ],
                },
            });
            assert.ok(!h.headers.request.remove.includes("exam-session-token"), h.name);
        }
        const uris = [{ uri: { exact: "/api/v1/exams" } }, { uri: { prefix: "/api/v1/exams/" } }];
        // Each uri match AND-ed with each idempotent method (Istio ORs the entries).
        assert.deepEqual(
            vs.http[4].match,
            uris.flatMap((u) =>
                ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"].map((m) => ({
                    ...u,
                    method: { exact: m },
                })),
            ),
        );
        assert.deepEqual(vs.http[4].retries, {
            attempts: 3,
            perTryTimeout: "5s",
            retryOn: "5xx,gateway-error,connect-failure",
        });
        // Everything else on the same paths (POST, PATCH, ...): only when the request never left.
        assert.deepEqual(vs.http[5].match, uris);
        assert.deepEqual(vs.http[5].retries, {
            attempts: 2,
            retryOn: "connect-failure,refused-stream",
        });
    });
});

describe("mesh: remote secrets", () => {
    it("labels and annotates the secret the way istiod's secret controller watches for", () => {
        assert.deepEqual(remoteSecretMetadata("tokyo"), {
            name: "istio-remote-secret-tokyo",
            namespace: "istio-system",
            labels: { "istio/multiCluster": "true" },
            annotations: { "networking.istio.io/cluster": "tokyo" },
        });
    });

    it("writes a bearer-token kubeconfig for the source's API server", () => {
        assert.deepEqual(
            JSON.parse(remoteKubeconfig("tokyo", "https://api.tokyo", "Q0E=", "tok")),
            {
                apiVersion: "v1",
                kind: "Config",
                clusters: [
                    {
                        name: "tokyo",
                        cluster: {
                            server: "https://api.tokyo",
                            "certificate-authority-data": "Q0E=",
                        },
                    },
                ],
                users: [{ name: "tokyo", user: { token: "tok" } }],
                contexts: [{ name: "tokyo", context: { cluster: "tokyo", user: "tokyo" } }],
                "current-context": "tokyo",
            },
        );
    });
});

describe("mesh: Istio schemas (@kubernetes-models/istio)", () => {
    it("accepts every resource a cluster gets, with no field the schema does not know", async () => {
        const cfg = testConfig({ regions: regions4 });
        const mesh = meshIstioResources(meshPolicy(cfg));
        const tenant = tenantIstioResources(tenantFacts(cfg), cfg.mesh.jwt);
        const all = [...mesh, ...tenant];
        const perService = Object.values(APP_DOMAINS).flat().length;
        assert.equal(
            mesh.length,
            6,
            "PeerAuthentication, Telemetry, two Gateways, RequestAuthentication, require-JWT",
        );
        // public routes, default deny per namespace, DR + VS per service, ingress allows, 2 JWT
        // RequestAuthentications, the guide's 2 policies.
        assert.equal(
            tenant.length,
            1 + Object.keys(APP_DOMAINS).length + 2 * perService + 3 + 2 + 2,
        );
        assert.equal(all.length, 7 + Object.keys(APP_DOMAINS).length + 2 * perService + 3 + 2 + 2);
        for (const m of all)
            assert.deepEqual(
                await strictProblems(m),
                [],
                `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`,
            );
    });

    it("rejects a wrong enum, a wrong type and a misspelt field", async () => {
        const gw = JSON.parse(JSON.stringify(crossNetworkGateway()));
        gw.spec.servers[0].tls.mode = "PASSTHROUGH_AUTO";
        assert.deepEqual(await schemaErrors(gw), [
            "/spec/servers/0/tls/mode: must be equal to one of the allowed values",
        ]);

        const pa = JSON.parse(JSON.stringify(meshPeerAuthentication(testConfig().mesh.mtlsMode)));
        pa.spec.mtls.mode = "STRICTEST";
        assert.deepEqual(await schemaErrors(pa), [
            "/spec/mtls/mode: must be equal to one of the allowed values",
        ]);

        const dr = JSON.parse(
            JSON.stringify(serviceDestinationRule("user", "user-service", membersOf(testConfig()))),
        );
        dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors = "five";
        dr.spec.trafficPolicy.outlierDetection.maxEjectionPercentage = 50;
        assert.deepEqual(await schemaErrors(dr), [
            "/spec/trafficPolicy/outlierDetection/consecutive5xxErrors: must be integer",
        ]);
        assert.deepEqual(await unknownFields(dr), [
            "/spec/trafficPolicy/outlierDetection/maxEjectionPercentage",
        ]);

        // A misspelt field deep in a rule (the API server would silently prune it).
        const ap = JSON.parse(JSON.stringify(examIntegrity(testConfig().mesh.jwt)));
        ap.spec.rules[0].when[0].notvalues = [""];
        assert.deepEqual(await unknownFields(ap), ["/spec/rules/0/when/0/notvalues"]);
    });
});
