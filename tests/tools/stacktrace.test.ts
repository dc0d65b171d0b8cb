/**
 * Stack traces during a mocked run (tools/runtime.ts): the SDK tracks its promises without taking a
 * stack of each (unless PULUMI_DEBUG_PROMISE_LEAKS asks for them), the program's own errors keep
 * their frames, and the process's hooks are put back after the run.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runDeclarations } from "../harness";
import { PROMISE_STACK_NOT_KEPT, withoutPromiseStacks } from "../../tools/runtime";

// The SDK's internal module, not in its typings.
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
};

/** The stack the SDK keeps of a promise it tracks, with or without `withoutPromiseStacks`. */
async function trackedStack(skip: boolean): Promise<string> {
    const p = Promise.resolve(1);
    const restore = skip ? withoutPromiseStacks() : () => undefined;
    try {
        assert.strictEqual(await debuggable.debuggablePromise(p, "probe"), 1);
    } finally {
        restore();
    }
    return (p as unknown as { _debugStackTrace: string })._debugStackTrace;
}

describe("plan: stack traces during a mocked run", () => {
    describe("the SDK's promise bookkeeping (debuggablePromise)", () => {
        const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        afterEach(() => {
            if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
        });

        it("takes a stack of every tracked promise outside a run", async () => {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            assert.match(await trackedStack(false), /^Error\n {4}at .*debuggablePromise /);
        });

        it("takes none while withoutPromiseStacks is in force, and again after", async () => {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            assert.strictEqual(await trackedStack(true), PROMISE_STACK_NOT_KEPT);
            assert.match(await trackedStack(false), /^Error\n {4}at .*debuggablePromise /);
        });

        it("leaves the limit of other errors as it was", () => {
            const limit = Error.stackTraceLimit;
            const restore = withoutPromiseStacks();
            try {
                assert.strictEqual(Error.stackTraceLimit, limit);
                assert.match(String(new Error("other").stack), /^Error: other\n {4}at /);
            } finally {
                restore();
            }
        });

        it("keeps the whole stack when PULUMI_DEBUG_PROMISE_LEAKS asks for the leak details", async () => {
            process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
            const stack = await trackedStack(true);
            assert.match(
                stack,
                /^Error\n {4}at (Object\.)?debuggablePromise \(.*debuggable\.[jt]s:\d+:\d+\)/,
            );
            assert.match(stack, /trackedStack/);
        });
    });

    describe("runUnderMocks", function () {
        this.timeout(60_000);
        const current = () => ({
            prepare: Object.getOwnPropertyDescriptor(Error, "prepareStackTrace")?.value as unknown,
            debuggable: debuggable.debuggablePromise,
            limit: Error.stackTraceLimit,
        });

        it("puts the process's hooks back after a run, also a failed one", async () => {
            const before = current();
            await runDeclarations(() => new pulumi.ComponentResource("test:probe:Probe", "ok"));
            assert.deepStrictEqual(current(), before);
            await assert.rejects(
                runDeclarations(() => {
                    throw new Error("the program failed");
                }),
                /the program failed/,
            );
            assert.deepStrictEqual(current(), before);
        });

        it("tracks the run's promises without their stacks", async () => {
            const seen: string[] = [];
            await runDeclarations(() => {
                const p = Promise.resolve(1);
                void debuggable.debuggablePromise(p, "probe");
                seen.push((p as unknown as { _debugStackTrace: string })._debugStackTrace);
                return new pulumi.ComponentResource("test:probe:Probe", "ok");
            });
            assert.deepStrictEqual(seen, [PROMISE_STACK_NOT_KEPT]);
        });

        it("leaves the program's own errors their frames", async () => {
            const err = await runDeclarations(() => {
                throw new Error("bad declaration");
            }).then(
                () => assert.fail("the run should fail"),
                (e: Error) => e,
            );
            assert.match(
                String(err.stack),
                /^Error: bad declaration\n {4}at .*stacktrace\.test\.ts:\d+:\d+\)\n {4}at .*runtime\.ts:/,
            );
        });
    });
});
