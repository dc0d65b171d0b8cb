/**
 * Mutual TLS: STRICT mesh-wide, and no PeerAuthentication that downgrades it for a namespace, a
 * workload or a port (guide: "mTLS for all inter-service communication").
 */
import {
    ISTIO_NETWORKING,
    isIstiodRelease,
    isPeerAuthentication,
    metaNamespace,
    releaseValues,
} from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import { asArray, asRecord, asString, get, isKind, isObject } from "../../lib/values";

const WEAK = ["PERMISSIVE", "DISABLE"];

export const mtlsStrictMeshWide = stackPolicy<{ rootNamespace: string }>({
    name: "istio-mtls-strict-mesh-wide",
    description:
        "Every cluster running istiod has a mesh-wide PeerAuthentication (root namespace, no selector) with mtls.mode STRICT.",
    config: {
        rootNamespace: {
            type: "string",
            default: "istio-system",
            description: "Istio root namespace (meshConfig.rootNamespace).",
        },
    },
    validate: (resources, _args, report, cfg) => {
        const istiods = resources.filter((r) => isIstiodRelease(r));
        // Once per cluster and root namespace: a cluster in a canary upgrade runs two istiods.
        const judged = new Set<string>();
        for (const istiod of istiods) {
            const cluster = providerKey(istiod);
            const root =
                asString(get(releaseValues(istiod.props), "meshConfig.rootNamespace")) ??
                cfg.rootNamespace;
            if (judged.has(`${cluster}|${root}`)) continue;
            judged.add(`${cluster}|${root}`);
            const meshWide = resources.filter(
                (r) =>
                    isPeerAuthentication(r.type) &&
                    providerKey(r) === cluster &&
                    metaNamespace(r.props) === root &&
                    !isObject(get(r.props, "spec.selector")),
            );
            if (meshWide.length === 0) {
                report(
                    `cluster ${urnName(cluster)} has no mesh-wide PeerAuthentication in ${root}; declare one without a selector and spec.mtls.mode STRICT`,
                    istiod.urn,
                );
                continue;
            }
            for (const pa of meshWide) {
                const mode = asString(get(pa.props, "spec.mtls.mode"));
                if (mode !== "STRICT")
                    report(
                        `mesh-wide PeerAuthentication in ${root} has mtls.mode ${mode ?? "unset"}; it must be STRICT`,
                        pa.urn,
                    );
            }
        }
    },
});

export const noMtlsDowngrade = resourcePolicy({
    name: "istio-no-mtls-downgrade",
    description:
        "No PeerAuthentication sets PERMISSIVE or DISABLE, whether for a namespace, a workload (selector) or a port (portLevelMtls).",
    types: isPeerAuthentication,
    validate: (props, _args, report) => {
        const spec = asRecord(props.spec);
        const scope = isObject(spec.selector) ? "workload" : "namespace";
        const mode = asString(get(spec, "mtls.mode"));
        if (mode && WEAK.includes(mode))
            report(
                `${scope}-level mtls.mode ${mode} downgrades the mesh's STRICT mTLS; remove it or set STRICT`,
            );
        for (const [port, setting] of Object.entries(asRecord(spec.portLevelMtls))) {
            const portMode = asString(get(setting, "mode"));
            if (portMode && WEAK.includes(portMode))
                report(
                    `port-level mtls.mode ${portMode} on port ${port} downgrades the mesh's STRICT mTLS`,
                );
        }
    },
});

export const isDestinationRule = (type: string) =>
    isKind(type, ISTIO_NETWORKING, "DestinationRule");

/**
 * Is this DestinationRule host served by the mesh? Kubernetes service names (`x`, `x.ns`,
 * `x.ns.svc`, `*.svc.cluster.local`, `*.local`) and the catch-all `*`; external hosts (a ServiceEntry's
 * FQDN) are not.
 */
export function isMeshHost(host: string): boolean {
    if (host === "*" || !host.includes(".")) return true;
    return /\.(svc|local)$|\.svc\.|\.cluster\.local$/.test(host);
}

/** Client TLS modes that, towards a mesh workload, replace Istio's mutual TLS. */
const DOWNGRADING_CLIENT_TLS: Readonly<Record<string, string>> = {
    DISABLE:
        "sends plaintext, which the STRICT mesh's sidecars reject (or, with PERMISSIVE, accept unauthenticated)",
    SIMPLE: "originates plain TLS without the workload certificate, so the server sees no peer identity",
};

export const destinationRuleMtls = resourcePolicy({
    name: "istio-destination-rule-mtls",
    description:
        "No DestinationRule to a mesh host sets tls.mode DISABLE or SIMPLE (traffic policy, port-level settings or a subset): in a STRICT mesh that sends plaintext or identity-less TLS instead of ISTIO_MUTUAL.",
    types: isDestinationRule,
    validate: (props, _args, report) => {
        const spec = asRecord(props.spec);
        const host = asString(spec.host) ?? "";
        if (!isMeshHost(host)) return;
        const policies: [string, unknown][] = [["trafficPolicy", spec.trafficPolicy]];
        for (const [i, subset] of asArray(spec.subsets).entries())
            policies.push([`subsets[${i}].trafficPolicy`, get(subset, "trafficPolicy")]);
        for (const [at, policy] of policies) {
            const settings: [string, unknown][] = [[`${at}.tls`, get(policy, "tls")]];
            for (const [j, port] of asArray(get(policy, "portLevelSettings")).entries())
                settings.push([`${at}.portLevelSettings[${j}].tls`, get(port, "tls")]);
            for (const [where, tls] of settings) {
                const mode = asString(get(tls, "mode"));
                if (mode && DOWNGRADING_CLIENT_TLS[mode])
                    report(
                        `${where}.mode ${mode} towards mesh host ${host} ${DOWNGRADING_CLIENT_TLS[mode]}; remove it (Istio uses ISTIO_MUTUAL automatically) or set ISTIO_MUTUAL`,
                    );
            }
        }
    },
});
