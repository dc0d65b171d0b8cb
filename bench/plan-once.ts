/**
 * One measured offline plan in a fresh process: prints {"ms":..., "maxRssMiB":..., "resources":...}.
 * Usage: ts-node bench/plan-once.ts <stack> <stack-dir> <out-dir>
 */
import { planStack } from "../tools/plan";
import { estimateDeploy } from "../tools/planfile";

(async () => {
    const [stack, stackDir, out] = process.argv.slice(2);
    const start = process.hrtime.bigint();
    const res = await planStack(stack, out, () => undefined, false, stackDir);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
        JSON.stringify({
            ms,
            maxRssMiB,
            resources: res.run.resources.length,
            deploySeconds: estimateDeploy(res.run).totalSeconds,
        }) + "\n",
    );
    process.exit(0);
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
