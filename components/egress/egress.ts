/**
 * The mesh's way out: one ServiceEntry per allowed external host and namespace, so that a meshed app
 * reaches exactly the hosts it was given (a payment or identity provider) and nothing else. The mesh
 * runs with `outboundTrafficPolicy: REGISTRY_ONLY` in prod: a sidecar answers any host outside the
 * registry with 502, and a ServiceEntry is what puts an external host into the registry.
 *
 * Each ServiceEntry lives in the namespace that may use it and is exported only there (`exportTo:
 * ["."]`): a host allowed for `user` is not in the registry of `assessment`. TLS and HTTPS entries are
 * matched by SNI and resolved by DNS, so a pod that sends an allowed SNI to another address still
 * reaches the allowed host. No egress gateway: see docs/security.md ("Egress") for what that leaves
 * open (a pod that bypasses its sidecar).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    IstioManifest,
    istioResource,
    istioResourceName,
    NETWORKING,
} from "../mesh/istio-resource";

/** Protocols an external host may be reached with: TLS end to end (the sidecar only reads the SNI). */
export const EGRESS_PROTOCOLS = ["TLS", "HTTPS"] as const;
export type EgressProtocol = (typeof EGRESS_PROTOCOLS)[number];

/** One allowed external destination. */
export interface EgressHost {
    /** Fully qualified host name; no wildcard (a wildcard would admit every subdomain). */
    readonly host: string;
    /** Port the app connects to. */
    readonly port: number;
    readonly protocol: EgressProtocol;
    /** Namespaces whose pods may reach it (each gets its own ServiceEntry). */
    readonly namespaces: readonly string[];
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Kubernetes name of the ServiceEntry of one host and port. */
export const egressEntryName = (h: Pick<EgressHost, "host" | "port">): string =>
    `egress-${h.host.replace(/\./g, "-")}-${h.port}`.slice(0, 63).replace(/-+$/, "");

/** The ServiceEntries for `hosts`: one per host and namespace. Pure (tests and policies reuse it). */
export function egressServiceEntries(hosts: readonly EgressHost[]): IstioManifest[] {
    return hosts.flatMap((h) =>
        h.namespaces.map((ns) =>
            istioResource(NETWORKING, "ServiceEntry", egressEntryName(h), ns, {
                hosts: [h.host],
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                ports: [
                    {
                        number: h.port,
                        name: `${h.protocol.toLowerCase()}-${h.port}`,
                        protocol: h.protocol,
                    },
                ],
                exportTo: ["."],
            }),
        ),
    );
}

/** Problems with `hosts`, each naming the arg, the value and what is allowed. */
export function egressProblems(hosts: readonly EgressHost[], where = "hosts"): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    hosts.forEach((h, i) => {
        const at = `${where}[${i}]`;
        if (!HOSTNAME.test(h.host))
            out.push(
                `${at}.host "${h.host}" must be a fully qualified lower-case host name (no wildcard, no IP, no scheme)`,
            );
        if (/\.(local|internal)$/.test(h.host))
            out.push(
                `${at}.host "${h.host}" is inside the mesh or cluster; list external hosts only`,
            );
        if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535)
            out.push(`${at}.port ${String(h.port)} must be an integer from 1 to 65535`);
        if (!(EGRESS_PROTOCOLS as readonly string[]).includes(h.protocol))
            out.push(
                `${at}.protocol "${String(h.protocol)}" is not allowed; allowed: ${EGRESS_PROTOCOLS.join(", ")}`,
            );
        if (h.namespaces.length === 0)
            out.push(`${at}.namespaces is empty; name the namespaces that may reach ${h.host}`);
        const key = `${h.host}:${h.port}`;
        if (seen.has(key)) out.push(`${at} repeats ${key}; list each host and port once`);
        seen.add(key);
    });
    return out;
}

export interface MeshEgressArgs {
    /** The cluster's Kubernetes provider: every ServiceEntry is created with it. */
    readonly provider: k8s.Provider;
    /** The allowed external hosts. @default [] (no ServiceEntry: nothing outside the mesh is reachable) */
    readonly hosts?: readonly EgressHost[];
    /**
     * Resources the ServiceEntries wait for: the Istio CRDs and webhook, and the namespaces they live in.
     * @default []
     */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** The allowed external hosts of one cluster. */
export class MeshEgress extends pulumi.ComponentResource {
    constructor(name: string, args: MeshEgressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:egress:MeshEgress", name, {}, opts);
        if (!args.provider)
            throw new Error(
                `MeshEgress ${name}: args.provider is required (the cluster's Kubernetes provider)`,
            );
        const hosts = args.hosts ?? [];
        const problems = egressProblems(hosts, "args.hosts");
        if (problems.length > 0) throw new Error(`MeshEgress ${name}: ${problems.join("; ")}`);
        for (const m of egressServiceEntries(hosts)) {
            new k8s.apiextensions.CustomResource(
                istioResourceName(name, m),
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] },
            );
        }
        this.registerOutputs({});
    }
}
