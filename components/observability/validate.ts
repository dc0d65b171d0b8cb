/**
 * Arg validation for the observability and certificates components: collect every problem with one
 * component's args, then throw once, each line naming the component and the arg path
 * (`Metrics singapore-observability-metrics: args.replicas must be an integer >= 1 (got 0)`).
 */

export class ArgProblems {
    private readonly problems: string[] = [];

    /** @param component the component kind and logical name, e.g. `Metrics singapore-observability-metrics` */
    constructor(private readonly component: string) {}

    /** Record `message` (which starts with the arg path) unless `ok`. */
    check(ok: boolean, message: string): this {
        if (!ok) this.problems.push(message);
        return this;
    }

    /** `value` must be an integer of at least `min` (and at most `max` when given). */
    integer(path: string, value: number, min: number, max?: number): this {
        const ok = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
        const range = max === undefined ? `>= ${min}` : `in ${min}..${max}`;
        return this.check(ok, `${path} must be an integer ${range} (got ${JSON.stringify(value)})`);
    }

    /** `value` must be one of `allowed`. */
    oneOf<T extends string>(path: string, value: T, allowed: readonly T[]): this {
        return this.check(
            allowed.includes(value),
            `${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")} (got ${JSON.stringify(value)})`,
        );
    }

    /** `value` must match `pattern`, described as `what`. */
    matches(path: string, value: string, pattern: RegExp, what: string): this {
        return this.check(
            typeof value === "string" && pattern.test(value),
            `${path} must be ${what} (got ${JSON.stringify(value)})`,
        );
    }

    /** Every recorded problem as a line naming the component. */
    lines(): string[] {
        return this.problems.map((p) => `${this.component}: ${p}`);
    }

    /** Throw one Error listing every recorded problem; do nothing when there is none. */
    throwIfAny(): void {
        ArgProblems.throwIfAny(this);
    }

    /** Throw one Error listing the problems of several components (a parent checking its children's args first). */
    static throwIfAny(...all: readonly ArgProblems[]): void {
        const lines = all.flatMap((p) => p.lines());
        if (lines.length > 0) throw new Error(lines.join("\n"));
    }
}

/** A Kubernetes object name (RFC 1123 label). */
export const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An email address, loosely (the stack config validates it strictly). */
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
