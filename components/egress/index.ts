/** The mesh's allowed external hosts (ServiceEntries; see ./egress.ts). */
export {
    EGRESS_PROTOCOLS,
    egressEntryName,
    egressProblems,
    egressServiceEntries,
    MeshEgress,
} from "./egress";
export type { EgressHost, EgressProtocol, MeshEgressArgs } from "./egress";
