/**
 * MeshService: one application service on the mesh, the golden path for app teams. From narrow args
 * (image, callers, canary, cache) it declares the service account, the Service, a Deployment or an Argo
 * Rollout with its analysis, the HPA and PDB, and the service's Istio traffic and authorization. The
 * builders are pure (./manifests.ts); this class only declares what they return.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { IstioManifest } from "../mesh/istio-resource";
import { serviceHost } from "../mesh/naming";
import type { MeshServiceArgs, ResolvedServiceArgs } from "./args";
import { serviceManifests } from "./manifests";
import { resolveServiceArgs } from "./resolve";
import type { KubeManifest } from "./workload";

export class MeshService extends pulumi.ComponentResource {
    /** The args with every default filled in. */
    readonly resolved: ResolvedServiceArgs;
    /** In-mesh host callers use: `<name>.<namespace>.svc.cluster.local`. */
    readonly host: string;
    /** Port of the Service. */
    readonly port: number;

    constructor(name: string, args: MeshServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-platform:service:MeshService", name, {}, opts);
        if (!args.provider)
            throw new Error(
                `MeshService ${name}: args.provider is required (the cluster's Kubernetes provider)`,
            );
        const { provider, dependsOn, serviceName, ...rest } = args;
        this.resolved = resolveServiceArgs(serviceName ?? name, rest);
        const a = this.resolved;
        this.host = serviceHost(a.namespace, a.name);
        this.port = a.servicePort;

        const opt = (after: readonly pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider,
            dependsOn: [...(dependsOn ?? []), ...after],
        });
        const childName = (m: KubeManifest | IstioManifest): string =>
            m.metadata.name === a.name
                ? `${name}-${m.kind.toLowerCase()}`
                : `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`;

        const { workload, istio } = serviceManifests(a);
        const declared: pulumi.Resource[] = [];
        for (const w of workload) {
            // The builders' plain objects have the Kubernetes shapes (tests validate them upstream).
            const spec = w.spec as never;
            const args = { metadata: w.metadata, spec };
            const n = childName(w);
            switch (w.kind) {
                case "ServiceAccount":
                    declared.push(
                        new k8s.core.v1.ServiceAccount(
                            n,
                            { metadata: w.metadata, automountServiceAccountToken: false },
                            opt(),
                        ),
                    );
                    break;
                case "Service":
                    declared.push(new k8s.core.v1.Service(n, args, opt()));
                    break;
                case "Deployment":
                    // Pods need their service account; Services and templates are API objects only.
                    declared.push(new k8s.apps.v1.Deployment(n, args, opt(declared)));
                    break;
                case "AnalysisTemplate":
                case "Rollout":
                    // The Rollout needs its service account, both Services and the AnalysisTemplate.
                    declared.push(
                        new k8s.apiextensions.CustomResource(
                            n,
                            { apiVersion: w.apiVersion, kind: w.kind, ...args },
                            opt(w.kind === "Rollout" ? declared : []),
                        ),
                    );
                    break;
                case "HorizontalPodAutoscaler":
                    new k8s.autoscaling.v2.HorizontalPodAutoscaler(n, args, opt(declared));
                    break;
                case "PodDisruptionBudget":
                    new k8s.policy.v1.PodDisruptionBudget(n, args, opt());
                    break;
                default:
                    throw new Error(`MeshService ${name}: no declaration for kind ${w.kind}`);
            }
        }
        for (const m of istio)
            new k8s.apiextensions.CustomResource(
                childName(m),
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                opt(),
            );
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
