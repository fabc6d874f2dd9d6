import { join } from "node:path";
import {
  API_SERVER_PORT,
  CLUSTER_DOMAIN,
  DNS_SERVICE_IP,
  NODE_IP,
  NODE_NAME,
  POD_CIDR,
  platformImage,
} from "./topology.ts";

/**
 * The node's configuration files, as text: pure functions of the platform's state dir and cgroup, so that
 * what the node runs with can be read (and tested) apart from the code that starts it.
 */

/** Where one platform keeps its files (all under its state dir, none under this machine's /etc or /var). */
export function nodePaths(stateDir: string) {
  return {
    containerdConfig: join(stateDir, "containerd.toml"),
    containerdSocket: join(stateDir, "containerd.sock"),
    containerdRoot: join(stateDir, "containerd", "root"),
    containerdState: join(stateDir, "containerd", "state"),
    cniConfDir: join(stateDir, "cni", "net.d"),
    cniIpamDir: join(stateDir, "cni", "ipam"),
    kubeletConfig: join(stateDir, "kubelet.yaml"),
    kubeletRoot: join(stateDir, "kubelet"),
    kubeProxyConfig: join(stateDir, "kube-proxy.yaml"),
    resolvConf: join(stateDir, "resolv.conf"),
    /** The admin kubeconfig for components inside the namespaces (`https://127.0.0.1:6443`). */
    innerKubeconfig: join(stateDir, "kubeconfig.inner"),
    /** The admin kubeconfig for this machine (the API server through its port bridge). */
    kubeconfig: join(stateDir, "kubeconfig"),
    etcdData: join(stateDir, "etcd"),
    bridges: join(stateDir, "bridges"),
    logs: join(stateDir, "logs"),
  };
}
export type NodePaths = ReturnType<typeof nodePaths>;

/** Debian's containernetworking-plugins install here. */
export const CNI_BIN_DIR = "/usr/lib/cni";

/** containerd 1.6 (CRI v1): its own root, state and socket; the node's sandbox image; no AppArmor. */
export function containerdConfig(paths: NodePaths): string {
  return `version = 2
root = ${JSON.stringify(paths.containerdRoot)}
state = ${JSON.stringify(paths.containerdState)}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = ${JSON.stringify(paths.containerdSocket)}

[ttrpc]
  address = ${JSON.stringify(`${paths.containerdSocket}.ttrpc`)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(platformImage("pause"))}
  # Without it every sandbox fails here with runc's "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${JSON.stringify(CNI_BIN_DIR)}
    conf_dir = ${JSON.stringify(paths.cniConfDir)}
`;
}

/** One bridge for every pod, addresses from POD_CIDR, hairpin on (a pod may reach itself through a Service). */
export function cniConfig(paths: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "modelgate-pods",
      plugins: [
        {
          type: "bridge",
          bridge: "mg-pods",
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: paths.cniIpamDir,
            ranges: [[{ subnet: POD_CIDR }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

/**
 * kubelet on cgroup v1 with the cgroupfs driver, its pods below `cgroup`; never deletes images (none can be pulled).
 * Pods are synced every 10 s (upstream: 1 min), so that an edited ConfigMap reaches a mounted volume within a test.
 */
export function kubeletConfig(paths: NodePaths, cgroup: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
cgroupRoot: /${cgroup}
cgroupsPerQOS: true
failCgroupV1: false
failSwapOn: false
clusterDNS: [${DNS_SERVICE_IP}]
clusterDomain: ${CLUSTER_DOMAIN}
resolvConf: ${paths.resolvConf}
containerRuntimeEndpoint: unix://${paths.containerdSocket}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 200Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
readOnlyPort: 0
serializeImagePulls: false
maxPods: 110
protectKernelDefaults: false
syncFrequency: 10s
`;
}

/** kube-proxy in iptables mode, writing no conntrack sysctl (those are this machine's, not the namespace's). */
export function kubeProxyConfig(paths: NodePaths): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${paths.innerKubeconfig}
mode: iptables
clusterCIDR: ${POD_CIDR}
hostnameOverride: ${NODE_NAME}
bindAddress: ${NODE_IP}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/** The API server inside the namespaces, as the node's components reach it. */
export const INNER_API_SERVER = `https://127.0.0.1:${API_SERVER_PORT}`;
