/** The mesh's Gateway resources: east-west (cross-network) and the public HTTPS gateway. */
import { EASTWEST_GATEWAY_NAME, GATEWAY_NAMESPACE, INGRESS_GATEWAY_NAME } from "../constants";
import { IstioManifest, istioResource, NETWORKING } from "./istio-resource";
import {
    CROSS_NETWORK_GATEWAY,
    CROSS_NETWORK_PORT,
    gatewaySelector,
    PUBLIC_GATEWAY,
} from "./naming";
import { MIN_TLS_VERSION, STRONG_CIPHER_SUITES } from "./security";

/** What the public gateway serves. */
export interface PublicIngress {
    /** Hostnames served (the certificate's names). */
    readonly hostnames: readonly string[];
    /** TLS secret in the gateway namespace, issued by cert-manager (`credentialName`). */
    readonly tlsSecretName: string;
}

/** `<namespace>/<name>` of the public Gateway, which tenants' VirtualServices bind to. */
export const PUBLIC_GATEWAY_REF = `${GATEWAY_NAMESPACE}/${PUBLIC_GATEWAY}`;

/** Exposes every `*.local` service to the other networks through the east-west gateway (mTLS passthrough). */
export function crossNetworkGateway(): IstioManifest {
    return istioResource(NETWORKING, "Gateway", CROSS_NETWORK_GATEWAY, GATEWAY_NAMESPACE, {
        selector: gatewaySelector(EASTWEST_GATEWAY_NAME),
        servers: [
            {
                port: { number: CROSS_NETWORK_PORT, name: "tls", protocol: "TLS" },
                tls: { mode: "AUTO_PASSTHROUGH" },
                hosts: ["*.local"],
            },
        ],
    });
}

/** Public HTTPS (certificate from cert-manager in the gateway namespace); HTTP only redirects. */
export function publicGateway(ingress: PublicIngress): IstioManifest {
    const hosts = [...ingress.hostnames];
    return istioResource(NETWORKING, "Gateway", PUBLIC_GATEWAY, GATEWAY_NAMESPACE, {
        selector: gatewaySelector(INGRESS_GATEWAY_NAME),
        servers: [
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts,
                tls: {
                    mode: "SIMPLE",
                    credentialName: ingress.tlsSecretName,
                    minProtocolVersion: MIN_TLS_VERSION,
                    cipherSuites: [...STRONG_CIPHER_SUITES],
                },
            },
            {
                port: { number: 80, name: "http", protocol: "HTTP" },
                hosts,
                tls: { httpsRedirect: true },
            },
        ],
    });
}
