/** Secrets area: the mesh CA vault (components/secrets/ca-vault.ts). This module only re-exports. */
export * from "./ca-vault";
