/**
 * Mutual TLS: STRICT mesh-wide, and no PeerAuthentication that downgrades it for a namespace, a
 * workload or a port (guide: "mTLS for all inter-service communication").
 */
import {
    isIstiodRelease,
    isPeerAuthentication,
    metaNamespace,
    releaseValues,
} from "../../lib/kinds";
import { providerKey, resourcePolicy, stackPolicy, urnName } from "../../lib/policy";
import { asRecord, asString, get, isObject } from "../../lib/values";

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
        for (const istiod of istiods) {
            const cluster = providerKey(istiod);
            const root =
                asString(get(releaseValues(istiod.props), "meshConfig.rootNamespace")) ??
                cfg.rootNamespace;
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
