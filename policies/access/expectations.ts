/**
 * The expectations the access matrix proves, per region (and per ordered region pair). Each one names
 * its subject, action and resource, what it expects, and evaluates the chain through the models.
 * Teams add their own in ./teams/*.json (see README "Access matrix").
 */
import {
    buildIam,
    type IamModel,
    managedPolicies,
    roleCan,
    type Role,
    serviceCan,
    webIdentityCan,
} from "./iam";
import {
    authorize,
    authzPolicies,
    grantAllows,
    READ_VERBS,
    secretGrants,
    WRITE_VERBS,
} from "./k8s";
import {
    type AccessResource,
    type AccessRow,
    arr,
    cidrContains,
    type Decision,
    isUnknown,
    labelOf,
    rec,
    refersTo,
    type SkippedCheck,
    str,
} from "./model";
import { buildGcp, gcpIamRows, gcpNetworkRows } from "./gcp";
import { admitted, buildNetwork, lbAdmits, loadBalancers, type NetModel, routed } from "./network";
import { simulate } from "./simulate";

/** A public address outside every declared network, standing for "the internet". */
export const INTERNET = "198.18.7.7";

type Push = (row: Omit<AccessRow, "result" | "why"> & { allowed: boolean; why: string[] }) => void;

const SA = (ns: string, sa: string) => `system:serviceaccount:${ns}:${sa}`;

function saOf(role: Role): string | undefined {
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(role.irsa?.sub ?? "");
    return m ? `${m[1]}/${m[2]}` : undefined;
}

function iamRows(m: IamModel, resources: readonly AccessResource[], push: Push): void {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const labels = [...new Set(m.roles.filter((r) => r.irsa).map((r) => r.label))].sort();
    const irsa = (label: string, sa: string) =>
        m.roles.find((r) => r.label === label && saOf(r) === sa);
    const assumes = (role: Role, sub: string) => webIdentityCan(m, role, sub);

    for (const role of m.roles) {
        for (const pa of role.unknownManaged)
            push({
                kind: "iam",
                subject: role.r.name,
                action: "evaluate attached managed policy",
                resource: pa,
                expect: "allow",
                allowed: false,
                why: [`no pinned document in policies/access/managed for ${pa}`],
            });
        if (role.irsa) {
            const d = assumes(role, SA("default", "default"));
            push({
                kind: "iam",
                subject: `${SA("default", "default")} (${role.label})`,
                action: "sts:AssumeRoleWithWebIdentity",
                resource: role.r.name,
                expect: "deny",
                allowed: d.allowed,
                why: d.why,
            });
        }
    }

    // Mesh root CA material: no cluster identity may read it (all of the reads a plaintext needs).
    const clusterIdentities = m.roles.filter(
        (r) =>
            r.irsa ||
            r.services.some((s) => s === "ec2.amazonaws.com" || s === "pods.eks.amazonaws.com"),
    );
    if (m.caStores.length > 0)
        for (const role of clusterIdentities) {
            const readable: string[] = [];
            const why: string[] = [];
            for (const store of m.caStores) {
                const c = roleCan(m, role, store.steps);
                if (c.allowed) {
                    readable.push(store.description);
                    why.push(`${store.description}: ${c.why.join("; ")}`);
                }
            }
            push({
                kind: "iam",
                subject: saOf(role)
                    ? `${saOf(role)} (${role.label})`
                    : `${role.r.name} (node/pod identity)`,
                action: "read mesh root CA private key",
                resource: m.caStores.map((s) => s.description).join(", "),
                expect: "deny",
                allowed: readable.length > 0,
                why:
                    readable.length > 0
                        ? why
                        : [`none of ${m.caStores.length} CA store(s) readable`],
            });
        }

    // Replication: the role the replication config names, assumed by S3, reads the source and writes the peer.
    for (const cfg of resources.filter(
        (r) => r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    )) {
        const role = m.roles.find(
            (r) => refersTo(str(cfg.props.role), r.r) || r.arn === str(cfg.props.role),
        );
        const src = m.buckets.find((b) => refersTo(str(cfg.props.bucket), b.r));
        for (const rule of arr(cfg.props.rules).map(rec)) {
            const dest = rec(rule.destination);
            const dst = m.buckets.find(
                (b) => b.arn === str(dest.bucket) || refersTo(str(dest.bucket), b.r),
            );
            const prefix = str(rec(rule.filter).prefix);
            const subject = `replication role ${cfg.name}`;
            const resource = `${src?.name ?? "?"}/${prefix} -> ${dst?.name ?? str(dest.bucket)}`;
            if (!role || !src || !dst) {
                push({
                    kind: "iam",
                    subject,
                    action: "replicate",
                    resource,
                    expect: "allow",
                    allowed: false,
                    why: ["role or bucket not found in the plan"],
                });
                continue;
            }
            const trust = serviceCan(m, role, "s3.amazonaws.com", {
                "aws:SourceAccount": m.account,
                "aws:SourceArn": src.arn,
            });
            const srcRegion = m.regionOf(src.label);
            const dstRegion = m.regionOf(dst.label);
            const srcKey =
                m.keys.find((k) => k.label === src.label && /backup|velero/i.test(k.r.name)) ??
                m.keys.find((k) => k.label === src.label);
            const dstKeyArn = str(rec(dest.encryptionConfiguration).replicaKmsKeyId);
            const dstKey = m.keys.find((k) => k.arnRef(dstKeyArn));
            const obj = `${prefix}backup-1/velero-backup.json`;
            const chain = roleCan(m, role, [
                {
                    action: "s3:GetObjectVersionForReplication",
                    resource: `${src.arn}/${obj}`,
                    resourcePolicy: src.policy,
                    context: { "aws:SecureTransport": "true" },
                },
                {
                    action: "s3:ReplicateObject",
                    resource: `${dst.arn}/${obj}`,
                    resourcePolicy: dst.policy,
                    context: { "aws:SecureTransport": "true" },
                },
                ...(srcKey
                    ? [
                          {
                              action: "kms:Decrypt",
                              resource: srcKey.arn,
                              resourcePolicy: srcKey.policy,
                              context: {
                                  "kms:ViaService": `s3.${srcRegion}.amazonaws.com`,
                                  "kms:EncryptionContext:aws:s3:arn": src.arn,
                              },
                          },
                      ]
                    : []),
                ...(dstKey
                    ? [
                          {
                              action: "kms:Encrypt",
                              resource: dstKeyArn,
                              resourcePolicy: dstKey.policy,
                              context: {
                                  "kms:ViaService": `s3.${dstRegion}.amazonaws.com`,
                                  "kms:EncryptionContext:aws:s3:arn": dst.arn,
                              },
                          },
                      ]
                    : []),
            ]);
            push({
                kind: "iam",
                subject,
                action: "assume (s3.amazonaws.com) + read source version + replicate + kms:Decrypt source key + kms:Encrypt replica key",
                resource,
                expect: "allow",
                allowed: trust.allowed && chain.allowed && !!srcKey && !!dstKey,
                why: [
                    `trust: ${trust.why.join(", ")}`,
                    ...chain.why,
                    ...(srcKey && dstKey ? [] : ["a KMS key of the chain is not in the plan"]),
                ],
            });
        }
    }

    for (const label of labels) {
        // Velero: own prefix read/write, the peer's replica readable, all through its own key.
        const velero = irsa(label, "velero/velero");
        const bucket = m.buckets.find((b) => b.label === label && /backup|velero/i.test(b.r.name));
        if (velero && bucket) {
            const region = m.regionOf(label);
            const key = m.keys.find((k) => k.label === label && /backup|velero/i.test(k.r.name));
            const keyArn = key?.arn ?? "";
            const kmsCtx = {
                "kms:ViaService": `s3.${region}.amazonaws.com`,
                "kms:EncryptionContext:aws:s3:arn": bucket.arn,
            };
            const trust = assumes(velero, velero.irsa!.sub);
            const peers = labels.filter((l) => l !== label);
            const cases: [string, string, { action: string; resource: string }[]][] = [
                [
                    "write own prefix",
                    `${bucket.name}/velero/${label}/`,
                    [
                        {
                            action: "s3:PutObject",
                            resource: `${bucket.arn}/velero/${label}/b/velero-backup.json`,
                        },
                        { action: "kms:GenerateDataKey", resource: keyArn },
                    ],
                ],
                [
                    "read own prefix",
                    `${bucket.name}/velero/${label}/`,
                    [
                        {
                            action: "s3:GetObject",
                            resource: `${bucket.arn}/velero/${label}/b/velero-backup.json`,
                        },
                        { action: "kms:Decrypt", resource: keyArn },
                    ],
                ],
                ...peers.map((p): [string, string, { action: string; resource: string }[]] => [
                    "read the peer's replica",
                    `${bucket.name}/velero/${p}/`,
                    [
                        {
                            action: "s3:GetObject",
                            resource: `${bucket.arn}/velero/${p}/b/velero-backup.json`,
                        },
                        { action: "kms:Decrypt", resource: keyArn },
                    ],
                ]),
            ];
            for (const [action, resource, steps] of cases) {
                const c = roleCan(
                    m,
                    velero,
                    steps.map((s) =>
                        s.action.startsWith("kms:")
                            ? { ...s, resourcePolicy: key?.policy, context: kmsCtx }
                            : {
                                  ...s,
                                  resourcePolicy: bucket.policy,
                                  context: { "aws:SecureTransport": "true" },
                              },
                    ),
                );
                push({
                    kind: "iam",
                    subject: `velero/velero (${label})`,
                    action,
                    resource,
                    expect: "allow",
                    allowed: trust.allowed && c.allowed && !!key,
                    why: [`trust: ${trust.why.join(", ")}`, ...c.why],
                });
            }
        }
        // cert-manager: records only in the platform's zone.
        const cm = irsa(label, "cert-manager/cert-manager");
        const zones = [
            ...new Set(
                resources
                    .filter(
                        (r) =>
                            r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer" &&
                            labelOf(r, byUrn) === label,
                    )
                    .flatMap((r) => arr(rec(rec(r.props.spec).acme).solvers))
                    .map((s) => str(rec(rec(rec(s).dns01).route53).hostedZoneID))
                    .filter(Boolean),
            ),
        ];
        if (cm && zones.length > 0) {
            const ctx = {
                "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.app"],
                "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
            };
            for (const z of zones) {
                const c = roleCan(m, cm, [
                    {
                        action: "route53:ChangeResourceRecordSets",
                        resource: `arn:aws:route53:::hostedzone/${z}`,
                        context: ctx,
                    },
                ]);
                push({
                    kind: "iam",
                    subject: `cert-manager/cert-manager (${label})`,
                    action: "route53:ChangeResourceRecordSets (TXT)",
                    resource: `hostedzone/${z}`,
                    expect: "allow",
                    allowed: c.allowed,
                    why: c.why,
                });
            }
            const other = roleCan(m, cm, [
                {
                    action: "route53:ChangeResourceRecordSets",
                    resource: "arn:aws:route53:::hostedzone/ZOTHERZONE00000",
                    context: ctx,
                },
            ]);
            push({
                kind: "iam",
                subject: `cert-manager/cert-manager (${label})`,
                action: "route53:ChangeResourceRecordSets (TXT)",
                resource: "any other hosted zone",
                expect: "deny",
                allowed: other.allowed,
                why: other.why,
            });
        }
        grafanaRows(m, label, labels, push);
        // LB controller: load balancers it tags, nothing else.
        const lbc = irsa(label, "kube-system/aws-load-balancer-controller");
        if (lbc) {
            const region = m.regionOf(label);
            const lbArn = `arn:aws:elasticloadbalancing:${region}:${m.account}:loadbalancer/net/k8s-x/0123456789abcdef`;
            const cases: [string, string, Record<string, string>, Decision][] = [
                [
                    "elasticloadbalancing:CreateLoadBalancer",
                    lbArn,
                    { "aws:RequestTag/elbv2.k8s.aws/cluster": "mesh" },
                    "allow",
                ],
                [
                    "elasticloadbalancing:DeleteLoadBalancer",
                    lbArn,
                    { "aws:ResourceTag/elbv2.k8s.aws/cluster": "mesh" },
                    "allow",
                ],
                [
                    "elasticloadbalancing:DeleteLoadBalancer",
                    `${lbArn} (not tagged by the controller)`,
                    {},
                    "deny",
                ],
                [
                    "ec2:TerminateInstances",
                    `arn:aws:ec2:${region}:${m.account}:instance/i-0123456789abcdef0`,
                    {},
                    "deny",
                ],
                ["iam:PassRole", `arn:aws:iam::${m.account}:role/any`, {}, "deny"],
                [
                    "s3:GetObject",
                    bucket ? `${bucket.arn}/velero/${label}/b` : "arn:aws:s3:::any/x",
                    {},
                    "deny",
                ],
            ];
            for (const [action, resource, ctx, expect] of cases) {
                const c = roleCan(m, lbc, [
                    { action, resource: resource.split(" ")[0], context: ctx },
                ]);
                push({
                    kind: "iam",
                    subject: `kube-system/aws-load-balancer-controller (${label})`,
                    action,
                    resource,
                    expect,
                    allowed: c.allowed,
                    why: c.why,
                });
            }
        }
    }
}

/** Grafana's service account: in `monitoring`, named after Grafana (the chart's `<release>-grafana`). */
export const GRAFANA_SA = /^monitoring\/[a-z0-9.-]*grafana[a-z0-9.-]*$/;

/**
 * Grafana's IRSA role: reads CloudWatch metrics (what its data source queries), and nothing of the
 * backups (buckets, their keys, the Thanos store) or any other role; only Grafana's service account of
 * this cluster can assume it (not another service account of the cluster, not the peer's Grafana).
 */
function grafanaRows(m: IamModel, label: string, labels: readonly string[], push: Push): void {
    // By its service account, or by name: a trust widened to a wildcard must still be checked.
    const grafana = m.roles.find(
        (r) =>
            r.label === label &&
            r.irsa &&
            (GRAFANA_SA.test(saOf(r) ?? "") || /grafana/i.test(r.r.name)),
    );
    if (!grafana?.irsa) return;
    const irsa = grafana.irsa;
    const subject = `${saOf(grafana) ?? grafana.r.name} (${label})`;
    const trust = webIdentityCan(m, grafana, irsa.sub);
    push({
        kind: "iam",
        subject,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: grafana.r.name,
        expect: "allow",
        allowed: trust.allowed,
        why: trust.why,
    });
    // Every other service account that has a role in this cluster, and monitoring/default.
    const others = [
        ...new Set([
            SA("monitoring", "default"),
            ...m.roles
                .filter((r) => r.label === label && r.irsa && r.irsa.sub !== irsa.sub)
                .map((r) => r.irsa!.sub),
        ]),
    ].sort();
    const admittedSubs = others.filter((sub) => webIdentityCan(m, grafana, sub).allowed);
    push({
        kind: "iam",
        subject: `every other service account of ${label} (${others.length})`,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: grafana.r.name,
        expect: "deny",
        allowed: admittedSubs.length > 0,
        why:
            admittedSubs.length > 0
                ? admittedSubs.map((s) => `${s} admitted`)
                : [`trust admits only ${irsa.sub}`],
    });
    // The peers' Grafana, through their own clusters' OIDC providers.
    for (const peer of labels.filter((l) => l !== label)) {
        const peerIrsa = m.roles.find((r) => r.label === peer && r.irsa)?.irsa;
        if (!peerIrsa) continue;
        const d = simulate({
            principal: peerIrsa.provider,
            action: "sts:AssumeRoleWithWebIdentity",
            resource: grafana.arn,
            resourceAccount: m.account,
            context: {
                [`${peerIrsa.issuer}:sub`]: irsa.sub,
                [`${peerIrsa.issuer}:aud`]: "sts.amazonaws.com",
            },
            identityPolicies: [],
            resourcePolicy: grafana.trust
                ? { name: `trust ${grafana.r.name}`, document: grafana.trust }
                : undefined,
        });
        push({
            kind: "iam",
            subject: `${saOf(grafana)} (${peer}, its own OIDC provider)`,
            action: "sts:AssumeRoleWithWebIdentity",
            resource: grafana.r.name,
            expect: "deny",
            allowed: d.allowed,
            why: d.why,
        });
    }
    // CloudWatch metric reads (classic metrics take no resource ARN).
    for (const action of ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]) {
        const c = roleCan(m, grafana, [{ action, resource: "*" }]);
        push({
            kind: "iam",
            subject,
            action,
            resource: "* (CloudWatch metrics)",
            expect: "allow",
            allowed: trust.allowed && c.allowed,
            why: [`trust: ${trust.why.join(", ")}`, ...c.why],
        });
    }
    // Nothing of the backups or the long-term store: objects, listings, keys.
    const stores = m.buckets.filter((b) => /backup|velero|thanos/i.test(b.r.name));
    for (const b of stores) {
        const c = roleCan(m, grafana, [
            {
                action: "s3:GetObject",
                resource: `${b.arn}/velero/${b.label}/b/velero-backup.json`,
                resourcePolicy: b.policy,
                context: { "aws:SecureTransport": "true" },
            },
        ]);
        const l = roleCan(m, grafana, [
            {
                action: "s3:ListBucket",
                resource: b.arn,
                resourcePolicy: b.policy,
                context: { "aws:SecureTransport": "true" },
            },
        ]);
        push({
            kind: "iam",
            subject,
            action: "s3:GetObject / s3:ListBucket",
            resource: b.name,
            expect: "deny",
            allowed: c.allowed || l.allowed,
            why: [...c.why, ...l.why],
        });
    }
    const keys = m.keys.filter((k) => /backup|velero|thanos/i.test(k.r.name));
    for (const k of keys) {
        const bucket = stores.find(
            (b) => b.label === k.label && /thanos/i.test(b.r.name) === /thanos/i.test(k.r.name),
        );
        const c = roleCan(m, grafana, [
            {
                action: "kms:Decrypt",
                resource: k.arn,
                resourcePolicy: k.policy,
                context: {
                    "kms:ViaService": `s3.${m.regionOf(k.label)}.amazonaws.com`,
                    ...(bucket ? { "kms:EncryptionContext:aws:s3:arn": bucket.arn } : {}),
                },
            },
        ]);
        push({
            kind: "iam",
            subject,
            action: "kms:Decrypt",
            resource: `key ${k.r.name}`,
            expect: "deny",
            allowed: c.allowed,
            why: c.why,
        });
    }
    // No other role: sts:AssumeRole against each trust policy of the plan.
    const assumable = m.roles
        .filter((r) => r !== grafana)
        .filter(
            (r) =>
                roleCan(m, grafana, [
                    {
                        action: "sts:AssumeRole",
                        resource: r.arn,
                        resourcePolicy: r.trust
                            ? { name: `trust ${r.r.name}`, document: r.trust }
                            : undefined,
                    },
                ]).allowed,
        );
    push({
        kind: "iam",
        subject,
        action: "sts:AssumeRole",
        resource: `every other role of the plan (${m.roles.length - 1})`,
        expect: "deny",
        allowed: assumable.length > 0,
        why:
            assumable.length > 0
                ? assumable.map((r) => `${r.r.name} assumable`)
                : ["no identity statement allows sts:AssumeRole and no trust names the role"],
    });
}

function deployerRoleArns(resources: readonly AccessResource[]): {
    arns: string[];
    secret: boolean;
} {
    const arns = new Set<string>();
    let secret = false;
    for (const p of resources.filter((r) => r.type === "pulumi:providers:kubernetes")) {
        const kc = str(p.props.kubeconfig);
        if (kc === "[secret]") secret = true;
        const m = /--role-arn["',\s-]*\s*["']?(arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+)/.exec(kc);
        if (m) arns.add(m[1]);
    }
    return { arns: [...arns], secret };
}

function networkRows(
    net: NetModel,
    resources: readonly AccessResource[],
    push: Push,
    skipped: SkippedCheck[],
    kubeconfigRoles?: readonly string[],
): void {
    const entries = resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry");
    const assoc = resources.filter(
        (r) => r.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    );
    const found = deployerRoleArns(resources);
    const deployers =
        kubeconfigRoles && kubeconfigRoles.length > 0 ? [...kubeconfigRoles] : found.arns;
    const prod = resources.some(
        (r) =>
            str(rec(r.props.tags).environment) === "prod" ||
            str(rec(r.props.labels).environment) === "prod",
    );
    for (const api of net.apis) {
        const clusterName = str(api.r.props.name);
        // Deployer network: rules described as the deployer's, else the public endpoint's CIDRs.
        const deployerCidrs = api.rules
            .filter((r) => /deployer/i.test(r.description))
            .map((r) => r.cidr);
        const sources = deployerCidrs.length > 0 ? deployerCidrs : api.publicCidrs;
        for (const cidr of sources) {
            const why: string[] = [];
            let ok = false;
            if (api.privateEndpoint && admitted(api, cidr).length > 0 && api.vpc) {
                const back = routed(net, api.vpc, cidr);
                ok = back.ok;
                why.push(...admitted(api, cidr), ...back.why);
            }
            if (!ok && api.publicEndpoint && api.publicCidrs.some((c) => cidrContains(c, cidr))) {
                ok = true;
                why.push(`public endpoint, publicAccessCidrs admit ${cidr}`);
            }
            if (!ok && why.length === 0) why.push(`nothing admits ${cidr} on 443`);
            push({
                kind: "network",
                subject: `deployer network ${cidr}`,
                action: "tcp/443",
                resource: `API ${clusterName}`,
                expect: "allow",
                allowed: ok,
                why,
            });
        }
        if (deployers.length === 0) {
            skipped.push({
                kind: "iam",
                what: `deployer admitted by the access entries of ${clusterName}`,
                reason: found.secret
                    ? "the Kubernetes provider's kubeconfig is a secret here"
                    : "no kubeconfig --role-arn found",
                ...(found.secret ? { maskedSecret: true } : {}),
            });
        }
        for (const d of deployers) {
            const e = entries.find(
                (x) => str(x.props.principalArn) === d && str(x.props.clusterName) === clusterName,
            );
            const a = assoc.find(
                (x) => str(x.props.principalArn) === d && str(x.props.clusterName) === clusterName,
            );
            push({
                kind: "iam",
                subject: `kubeconfig identity ${d}`,
                action: "authenticate + cluster admin (EKS access entry)",
                resource: `API ${clusterName}`,
                expect: "allow",
                allowed: !!e && !!a,
                why:
                    e && a
                        ? [
                              `access entry ${e.name}`,
                              `policy ${str(a.props.policyArn).split("/").pop()} (${str(rec(a.props.accessScope).type)})`,
                          ]
                        : [`no access entry${e ? " policy association" : ""} for ${d}`],
            });
        }
        if (prod) {
            const pub =
                api.publicEndpoint &&
                (api.publicCidrs.length === 0 ||
                    api.publicCidrs.some((c) => cidrContains(c, INTERNET)));
            push({
                kind: "network",
                subject: `internet (${INTERNET})`,
                action: "tcp/443",
                resource: `API ${clusterName}`,
                expect: "deny",
                allowed: pub,
                why: [
                    api.publicEndpoint
                        ? `public endpoint, publicAccessCidrs ${api.publicCidrs.join(", ") || "(all)"}`
                        : "public endpoint disabled",
                ],
            });
        }
        const wide = api.rules.filter((r) => cidrContains(r.cidr, INTERNET));
        push({
            kind: "network",
            subject: "any network with a route (0.0.0.0/0)",
            action: "tcp/443 through the API security group",
            resource: `API ${clusterName}`,
            expect: "deny",
            allowed: wide.length > 0,
            why:
                wide.length > 0
                    ? wide.map((r) => `sg rule ${r.name} ${r.cidr}`)
                    : [`rules admit only ${api.rules.map((r) => r.cidr).join(", ")}`],
        });
    }
    // istiod of every cluster to every other cluster's API over the peering; east-west 15443 between VPCs.
    const lbs = loadBalancers(net, skipped);
    for (const from of net.apis)
        for (const to of net.apis) {
            if (from === to || !from.vpc || !to.vpc) continue;
            const src = from.vpc.cidr;
            const there = routed(net, from.vpc, to.vpc.cidr, (ref) => refersTo(ref, to.vpc!.r));
            const back = routed(net, to.vpc, src, (ref) => refersTo(ref, from.vpc!.r));
            const sg = admitted(to, src);
            push({
                kind: "network",
                subject: `istiod ${from.label} (${src})`,
                action: "tcp/443 (remote secret API access)",
                resource: `API ${str(to.r.props.name)} private endpoint`,
                expect: "allow",
                allowed: to.privateEndpoint && there.ok && back.ok && sg.length > 0,
                why: [
                    ...there.why,
                    ...back.why,
                    ...(sg.length ? sg : [`no sg rule admits ${src}`]),
                    ...(to.privateEndpoint ? [] : ["private endpoint disabled"]),
                ],
            });
            const ew = lbs.find((l) => l.label === to.label && l.name.includes("east-west"));
            if (ew) {
                const lb = lbAdmits(ew, src, false);
                push({
                    kind: "network",
                    subject: `${from.label} VPC (${src})`,
                    action: "tcp/15443 (east-west)",
                    resource: `${ew.name} ${to.label}`,
                    expect: "allow",
                    allowed: there.ok && back.ok && lb.ok,
                    why: [...there.why, ...back.why, ...lb.why],
                });
            }
        }
    for (const ew of lbs.filter((l) => l.name.includes("east-west"))) {
        const lb = lbAdmits(ew, INTERNET, true);
        push({
            kind: "network",
            subject: `internet (${INTERNET})`,
            action: "tcp/15443",
            resource: `${ew.name} ${ew.label}`,
            expect: "deny",
            allowed: lb.ok,
            why: lb.why,
        });
    }
    // IMDS: pods must not reach the node role (IMDSv2 required, hop limit 1).
    for (const lt of resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate")) {
        const mo = rec(lt.props.metadataOptions);
        const off = str(mo.httpEndpoint) === "disabled";
        const hop = Number(mo.httpPutResponseHopLimit ?? 1);
        const v2 = str(mo.httpTokens) === "required";
        const reachable = !off && (!v2 || hop > 1);
        push({
            kind: "network",
            subject: "pods on non-host network",
            action: "IMDS credentials of the node role",
            resource: `launch template ${lt.name}`,
            expect: "deny",
            allowed: reachable,
            why: [
                off
                    ? "metadata endpoint disabled"
                    : `httpTokens ${str(mo.httpTokens) || "optional"}, hop limit ${hop}`,
            ],
        });
    }
    try {
        gcpNetworkRows(resources, lbs, push);
    } catch (e) {
        if (!isUnknown(e)) throw e;
        skipped.push({ kind: "network", what: "GCP network rows", reason: (e as Error).message });
    }
}

function rbacRows(resources: readonly AccessResource[], push: Push, skipped: SkippedCheck[]): void {
    const grants = secretGrants(resources, "istio-system", skipped);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const clusters = [
        ...new Set(
            resources
                .filter(
                    (r) =>
                        r.type === "kubernetes:core/v1:Secret" ||
                        r.type === "kubernetes:core/v1:ServiceAccount",
                )
                .map((r) => labelOf(r, byUrn)),
        ),
    ].sort();
    for (const label of clusters) {
        const secrets = resources
            .filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    labelOf(r, byUrn) === label &&
                    str(rec(r.props.metadata).namespace) === "istio-system",
            )
            .map((r) => str(rec(r.props.metadata).name));
        const named = [...new Set(["cacerts", ...secrets])];
        const sas = resources
            .filter(
                (r) =>
                    r.type === "kubernetes:core/v1:ServiceAccount" && labelOf(r, byUrn) === label,
            )
            .map((r) => SA(str(rec(r.props.metadata).namespace), str(rec(r.props.metadata).name)));
        const subjects = [
            ...new Set([...sas, ...grants.filter((g) => g.label === label).map((g) => g.subject)]),
        ].sort();
        for (const [verbsName, verbs] of [
            ["read", READ_VERBS],
            ["write", WRITE_VERBS],
        ] as const) {
            for (const subject of subjects) {
                const hits = grants.filter(
                    (g) =>
                        g.label === label &&
                        g.subject === subject &&
                        named.some((n) => grantAllows(g, verbs, n)),
                );
                if (hits.length === 0) continue;
                push({
                    kind: "rbac",
                    subject: `${subject} (${label})`,
                    action: `${verbsName} secrets`,
                    resource: `istio-system/{${named.join(",")}}`,
                    expect: "deny",
                    allowed: true,
                    why: hits.map((h) => h.via),
                });
            }
            const holders = grants.filter(
                (g) => g.label === label && named.some((n) => grantAllows(g, verbs, n)),
            );
            push({
                kind: "rbac",
                subject: `every declared service account (${label}, ${sas.length})`,
                action: `${verbsName} secrets`,
                resource: `istio-system/{${named.join(",")}}`,
                expect: "deny",
                allowed: holders.length > 0,
                why:
                    holders.length > 0
                        ? holders.map((h) => `${h.subject}: ${h.via}`)
                        : ["no declared binding grants secrets in istio-system"],
            });
        }
    }
}

function meshRows(resources: readonly AccessResource[], push: Push, skipped: SkippedCheck[]): void {
    const policies = authzPolicies(resources, skipped);
    const labels = [...new Set(policies.map((p) => p.label))].sort();
    for (const label of labels) {
        const ps = policies.filter((p) => p.label === label);
        if (!ps.some((p) => p.namespace === "user" && p.name === "user-data-protection")) continue;
        const fe = "cluster.local/ns/user/sa/frontend-service";
        // The caller's role, as the policy reads it: the guide's header or the validated JWT's claim.
        const role = (v: string | undefined) =>
            v === undefined ? {} : { headers: { "x-user-role": v }, claims: { role: v } };
        const jwtFrom = ps
            .flatMap((p) => p.rules ?? [])
            .flatMap((r) => arr(r.from).map((f) => rec(rec(f).source)))
            .flatMap((src) => arr(src.requestPrincipals).map(str))[0];
        const base = {
            namespace: "user",
            workloadLabels: { app: "user-service" },
            requestPrincipal: jwtFrom ? jwtFrom.replace(/\*/g, "user-42") : undefined,
        };
        const cases: [
            string,
            string,
            string,
            string,
            Record<string, string> | undefined,
            Decision,
        ][] = [
            [fe, "GET", "/api/v1/users/42", "frontend-service reads user data", undefined, "allow"],
            [
                fe,
                "PUT",
                "/api/v1/users/42",
                "frontend-service updates user data",
                undefined,
                "allow",
            ],
            [
                fe,
                "DELETE",
                "/api/v1/users/42",
                "frontend-service deletes user data",
                undefined,
                "deny",
            ],
            [
                fe,
                "GET",
                "/api/v1/users/42",
                "frontend-service without a user role",
                { none: "" },
                "deny",
            ],
            [
                "cluster.local/ns/content/sa/content-delivery",
                "GET",
                "/api/v1/users/42",
                "another service",
                undefined,
                "deny",
            ],
            [
                "cluster.local/ns/user/sa/default",
                "GET",
                "/api/v1/users/42",
                "another service account in user",
                undefined,
                "deny",
            ],
            [
                "cluster.local/ns/istio-gateways/sa/istio-ingressgateway",
                "GET",
                "/api/v1/users/42",
                "ingress gateway directly",
                undefined,
                "deny",
            ],
            ["", "GET", "/api/v1/users/42", "plaintext / unauthenticated peer", undefined, "deny"],
        ];
        for (const [principal, method, path, what, headers, expect] of cases) {
            const d = authorize(ps, {
                ...base,
                principal,
                method,
                path,
                ...role(headers ? undefined : "user-owner"),
            });
            push({
                kind: "mesh",
                subject: `${principal || "(no peer identity)"} (${label}) — ${what}`,
                action: `${method} ${path}`,
                resource: "user/user-service",
                expect,
                allowed: d.allowed,
                why: d.why,
            });
        }
        const fed = authorize(ps, {
            principal: "cluster.local/ns/istio-gateways/sa/istio-ingressgateway",
            namespace: "user",
            workloadLabels: { app: "frontend-service" },
            method: "GET",
            path: "/api/v1/users/42",
        });
        push({
            kind: "mesh",
            subject: `cluster.local/ns/istio-gateways/sa/istio-ingressgateway (${label})`,
            action: "GET /api/v1/users/42",
            resource: "user/frontend-service",
            expect: "allow",
            allowed: fed.allowed,
            why: fed.why,
        });
        for (const ns of [
            ...new Set(
                ps
                    .filter(
                        (p) => p.action === "ALLOW" && (p.rules ?? []).length === 0 && !p.selector,
                    )
                    .map((p) => p.namespace),
            ),
        ].sort()) {
            const d = authorize(ps, {
                principal: "cluster.local/ns/other/sa/any",
                namespace: ns,
                workloadLabels: { app: "unlisted" },
                method: "GET",
                path: "/",
            });
            push({
                kind: "mesh",
                subject: `cluster.local/ns/other/sa/any (${label})`,
                action: "GET /",
                resource: `${ns}/(any workload no policy names)`,
                expect: "deny",
                allowed: d.allowed,
                why: d.why,
            });
        }
    }
}

export interface Evaluation {
    readonly rows: AccessRow[];
    readonly skipped: SkippedCheck[];
}

export interface EvaluateOptions {
    /** The deployer roles the Kubernetes providers' kubeconfigs assume (when the plan masks them). */
    readonly kubeconfigRoles?: readonly string[];
    /** Extra expectations (policies/access/teams/*.json), already loaded. */
    readonly team?: readonly TeamExpectation[];
}

/** A team's own expectation (policies/access/teams/<team>.json). */
export type TeamExpectation =
    | {
          kind: "iam";
          serviceAccount: string;
          cluster: string;
          action: string;
          resource: string;
          context?: Record<string, string | string[]>;
          expect: Decision;
      }
    | {
          kind: "mesh";
          cluster: string;
          principal: string;
          namespace: string;
          workloadLabels: Record<string, string>;
          method: string;
          path: string;
          headers?: Record<string, string>;
          expect: Decision;
      };

export function evaluate(
    resources: readonly AccessResource[],
    opts: EvaluateOptions = {},
): Evaluation {
    const rows: AccessRow[] = [];
    const skipped: SkippedCheck[] = [];
    const push: Push = (r) =>
        rows.push({
            kind: r.kind,
            subject: r.subject,
            action: r.action,
            resource: r.resource,
            expect: r.expect,
            result: r.allowed ? "allow" : "deny",
            why: r.why,
        });
    const iam = buildIam(resources, skipped);
    if (iam) iamRows(iam, resources, push);
    try {
        gcpIamRows(buildGcp(resources, skipped), push);
    } catch (e) {
        if (!isUnknown(e)) throw e;
        skipped.push({ kind: "iam", what: "GCP IAM rows", reason: (e as Error).message });
    }
    networkRows(buildNetwork(resources, skipped), resources, push, skipped, opts.kubeconfigRoles);
    rbacRows(resources, push, skipped);
    meshRows(resources, push, skipped);
    for (const t of opts.team ?? []) {
        if (t.kind === "iam") {
            const role = iam?.roles.find(
                (r) => r.label === t.cluster && saOf(r) === t.serviceAccount,
            );
            if (!iam || !role) {
                push({
                    kind: "iam",
                    subject: `${t.serviceAccount} (${t.cluster})`,
                    action: t.action,
                    resource: t.resource,
                    expect: t.expect,
                    allowed: false,
                    why: ["no IRSA role for this service account in the plan"],
                });
                continue;
            }
            const c = roleCan(iam, role, [
                {
                    action: t.action,
                    resource: t.resource,
                    context: t.context,
                    resourcePolicy: iam.buckets.find((b) => t.resource.startsWith(b.arn))?.policy,
                },
            ]);
            push({
                kind: "iam",
                subject: `${t.serviceAccount} (${t.cluster})`,
                action: t.action,
                resource: t.resource,
                expect: t.expect,
                allowed: c.allowed,
                why: c.why,
            });
        } else {
            const ps = authzPolicies(resources, skipped).filter((p) => p.label === t.cluster);
            const d = authorize(ps, {
                principal: t.principal,
                namespace: t.namespace,
                workloadLabels: t.workloadLabels,
                method: t.method,
                path: t.path,
                headers: t.headers,
            });
            push({
                kind: "mesh",
                subject: `${t.principal} (${t.cluster})`,
                action: `${t.method} ${t.path}`,
                resource: `${t.namespace}/${Object.values(t.workloadLabels).join(",")}`,
                expect: t.expect,
                allowed: d.allowed,
                why: d.why,
            });
        }
    }
    void managedPolicies;
    return { rows, skipped };
}
