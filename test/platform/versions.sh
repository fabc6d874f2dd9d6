# Versions of everything the platform suite builds and runs (sourced by build.sh; read by versions.ts).
# PLATFORM_KEY names the cache dir and the image tags: change it whenever a version or a build recipe changes.
K8S_VERSION=v1.34.3
KNATIVE_SERVING_VERSION=v0.42.2
KNATIVE_EVENTING_VERSION=v0.42.3
NET_GATEWAY_API_VERSION=v0.42.0
TRAEFIK_VERSION=v3.6.12
COREDNS_VERSION=v1.15.0
KSERVE_VERSION=v0.15.0
PLATFORM_KEY=1
