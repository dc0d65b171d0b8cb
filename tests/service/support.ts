/** Shared fixtures of the MeshService tests: a digest-pinned image and resolved args. */
import { resolveServiceArgs } from "../../components/service";
import type { MeshServiceArgs, ResolvedServiceArgs } from "../../components/service";

export const IMAGE =
    "ghcr.io/example/catalog:1.2.3@sha256:1111111111111111111111111111111111111111111111111111111111111111";

export type PlainArgs = Omit<MeshServiceArgs, "provider" | "dependsOn">;

export const baseArgs = (over: Partial<PlainArgs> = {}): PlainArgs => ({
    namespace: "shop",
    image: IMAGE,
    ...over,
});

export const resolved = (over: Partial<PlainArgs> = {}, name = "catalog"): ResolvedServiceArgs =>
    resolveServiceArgs(name, baseArgs(over));

export const PROMETHEUS = "http://prometheus.monitoring.svc.cluster.local:9090";
