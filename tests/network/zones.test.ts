/** Zone discovery keeps to Availability Zones (no Local or Wavelength Zones). */
import { strict as assert } from "assert";
import { runStack } from "../harness";
import { AWS_ZONE_QUERY } from "../../components/network/aws-network";
import { CALL_RESULTS } from "../../tools/mocks";

const zones = CALL_RESULTS["aws:index/getAvailabilityZones:getAvailabilityZones"];

describe("network: zone discovery", function () {
    this.timeout(300000);

    it("asks for available, opt-in-not-required Availability Zones", () => {
        assert.deepEqual(AWS_ZONE_QUERY, {
            state: "available",
            filters: [
                { name: "opt-in-status", values: ["opt-in-not-required"] },
                { name: "zone-type", values: ["availability-zone"] },
            ],
        });
    });

    it("the mock models an opted-in Local Zone that only the filters drop", () => {
        const call = (inputs: Record<string, unknown>) =>
            zones({ token: "t", inputs }, { region: "ap-northeast-1" }).names;
        assert.deepEqual(call({ state: "available" }), [
            "ap-northeast-1-lz-1a",
            "ap-northeast-1a",
            "ap-northeast-1c",
            "ap-northeast-1d",
        ]);
        assert.deepEqual(call(AWS_ZONE_QUERY), [
            "ap-northeast-1a",
            "ap-northeast-1c",
            "ap-northeast-1d",
        ]);
    });

    it("prod subnets land in Availability Zones only", async () => {
        const run = await runStack("prod");
        const subnets = run.ofType("aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 12);
        for (const s of subnets) assert.match(String(s.inputs.availabilityZone), /-\d[a-z]$/);
        assert.ok(!subnets.some((s) => String(s.inputs.availabilityZone).includes("-lz-")));
    });
});
