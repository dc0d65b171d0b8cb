/** Argo Rollouts, per cluster: the controller that runs MeshService canaries (components/service). */
export {
    ArgoRollouts,
    ROLLOUTS_IMAGE_TAG,
    ROLLOUTS_NAMESPACE,
    rolloutsValues,
} from "./argo-rollouts";
export type { ArgoRolloutsArgs } from "./argo-rollouts";
