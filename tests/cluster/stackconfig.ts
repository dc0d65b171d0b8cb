/** Read a committed stack file the way the offline plan does (for resolving its config in tests). */
import { readStackFile as read } from "../../tools/runtime";
import { ROOT } from "../harness";

export const ROOT_CONFIG_PREFIX = "mesh-platform:";

export function readStackFile(stack: string): ReturnType<typeof read> {
    return read(ROOT, stack);
}
