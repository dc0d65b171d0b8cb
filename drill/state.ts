/**
 * A small state file that survives a crashed drill: written before the health check is inverted and
 * removed only after the flag is restored. The next `--execute` run restores whatever it finds.
 */
import * as fs from "fs";
import * as path from "path";

export interface DrillState {
    readonly version: 1;
    readonly stack: string;
    /** Health check whose `Inverted` flag the drill set, and the value to put back. */
    readonly healthCheckId: string;
    readonly originalInverted: boolean;
    readonly region: string;
    readonly injectedAt: string;
    readonly pid: number;
}

export class StateFile {
    constructor(readonly file: string) {}

    static forStack(dir: string, stack: string): StateFile {
        return new StateFile(path.join(dir, `${stack}.state.json`));
    }

    read(): DrillState | undefined {
        let text: string;
        try {
            text = fs.readFileSync(this.file, "utf8");
        } catch {
            return undefined;
        }
        const parsed = JSON.parse(text) as DrillState;
        if (parsed.version !== 1 || typeof parsed.healthCheckId !== "string") {
            throw new Error(
                `drill state file ${this.file} is not readable; restore the health check by hand and delete the file`,
            );
        }
        return parsed;
    }

    write(state: DrillState): void {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
        fs.renameSync(tmp, this.file);
    }

    clear(): void {
        fs.rmSync(this.file, { force: true });
    }
}
