/**
 * The drill's lock and state records. Both live in the lock table (DynamoDB) so that every runner
 * sees them; the CLI also mirrors the state to a local file for the operator. The state is written
 * before a fault is injected and removed only after everything it lists was undone.
 */
import * as fs from "fs";
import * as path from "path";

export interface LockRecord {
    readonly stack: string;
    readonly drillId: string;
    /** `user@host pid N` of the runner. */
    readonly owner: string;
    readonly startedAt: string;
    /** Epoch seconds after which another runner may take the lock over. */
    readonly expiresAt: number;
}

/** Something the drill changed and must undo. */
export type FaultRecord =
    | { readonly kind: "dns"; readonly healthCheckId: string; readonly originalInverted: boolean }
    | {
          readonly kind: "ingress-outage";
          readonly region: string;
          readonly policyName: string;
      }
    | {
          readonly kind: "restore";
          readonly region: string;
          readonly restoreName: string;
          readonly namespace: string;
      }
    | { readonly kind: "mesh-probe"; readonly region: string; readonly jobName: string };

export interface DrillState {
    readonly version: 2;
    readonly stack: string;
    readonly drillId: string;
    readonly owner: string;
    readonly updatedAt: string;
    readonly changes: readonly FaultRecord[];
}

/** Another drill holds the lock. */
export class LockHeld extends Error {
    constructor(readonly holder: LockRecord | undefined) {
        super(
            holder
                ? `another drill holds the lock of stack ${holder.stack}: ${holder.drillId} by ${holder.owner}, ` +
                      `started ${holder.startedAt}, expires ${new Date(holder.expiresAt * 1000).toISOString()}`
                : "the lock is held by another drill",
        );
        this.name = "LockHeld";
    }
}

/** A local copy of the state, for the operator (the table is the source of truth). */
export class LocalStateMirror {
    constructor(readonly file: string) {}

    static forStack(dir: string, stack: string): LocalStateMirror {
        return new LocalStateMirror(path.join(dir, `${stack}.state.json`));
    }

    write(state: DrillState | undefined): void {
        if (!state || state.changes.length === 0) {
            fs.rmSync(this.file, { force: true });
            return;
        }
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
        fs.renameSync(tmp, this.file);
    }
}
