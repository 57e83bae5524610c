#!/usr/bin/env python3
"""Offline check of the KneeFlow Kubernetes manifests (ops/k8s/*.yaml).

Why: nothing here has a cluster, and a manifest error shows only at `kubectl apply` time. This
validates every core object against the Kubernetes JSON schemas bundled with PyPI's
kubernetes-validate (strict: unknown fields are errors), checks the KEDA objects against the
fields KEDA's documentation requires (the CRDs' schemas are not bundled), and checks the
relations between the files that neither schema sees (secret keys, claim names, grace period
above --grace, one BLAS thread per core). It prints one JSON object on stdout:
  {"errors": [...], "checked": [...], "scaler_queries": [...]}
and exits 1 when there are errors. The scaler queries are printed so the tests can run them
against a real database (Tests/EndToEndTests/KubernetesManifestTests.swift).

Usage: validate.py [--kubernetes-version 1.30.0] DIR
Needs PyYAML and kubernetes-validate (ops/install-deps.sh puts both into .build/ops-venv).
"""
import argparse
import glob
import json
import os
import sys

import yaml
import kubernetes_validate

KEDA_API = "keda.sh/v1alpha1"


def keda_scaled_object(doc, errors):
    """Fields the KEDA docs (concepts/scaling-deployments, scalers/postgresql) require."""
    name = doc.get("metadata", {}).get("name", "?")
    where = f"ScaledObject/{name}"
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        errors.append(f"{where}: spec is required")
        return []
    target = spec.get("scaleTargetRef")
    if not isinstance(target, dict) or not isinstance(target.get("name"), str):
        errors.append(f"{where}: spec.scaleTargetRef.name is required")
    for key in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
        if key in spec and not (isinstance(spec[key], int) and spec[key] >= 0):
            errors.append(f"{where}: spec.{key} must be a non-negative integer")
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        errors.append(f"{where}: minReplicaCount above maxReplicaCount")
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        errors.append(f"{where}: spec.triggers must be a non-empty list")
        return []
    queries = []
    for i, t in enumerate(triggers):
        tw = f"{where}: triggers[{i}]"
        if not isinstance(t, dict) or not isinstance(t.get("type"), str):
            errors.append(f"{tw}: type is required")
            continue
        meta = t.get("metadata")
        if not isinstance(meta, dict):
            errors.append(f"{tw}: metadata is required")
            continue
        # KEDA's trigger metadata is a map of strings: a bare YAML number is rejected by the CRD.
        for k, v in meta.items():
            if not isinstance(v, str):
                errors.append(f"{tw}: metadata.{k} must be a string (quote it)")
        if t["type"] != "postgresql":
            continue
        if not meta.get("query"):
            errors.append(f"{tw}: postgresql needs metadata.query")
        for k in ("targetQueryValue", "activationTargetQueryValue"):
            if k in meta:
                try:
                    float(meta[k])
                except (TypeError, ValueError):
                    errors.append(f"{tw}: metadata.{k} must be a number in a string")
        if "targetQueryValue" not in meta:
            errors.append(f"{tw}: postgresql needs metadata.targetQueryValue")
        has_conn = any(k in meta for k in ("connectionFromEnv", "host"))
        auth = t.get("authenticationRef")
        if auth is not None and not (isinstance(auth, dict) and isinstance(auth.get("name"), str)):
            errors.append(f"{tw}: authenticationRef.name is required")
        if not has_conn and auth is None:
            errors.append(f"{tw}: postgresql needs a connection (connectionFromEnv, host…, or authenticationRef)")
        queries.append({"trigger": tw, "query": meta.get("query", ""),
                        "auth": auth.get("name") if isinstance(auth, dict) else None})
    return queries


def keda_trigger_auth(doc, errors):
    name = doc.get("metadata", {}).get("name", "?")
    refs = doc.get("spec", {}).get("secretTargetRef")
    if not isinstance(refs, list) or not refs:
        errors.append(f"TriggerAuthentication/{name}: spec.secretTargetRef must be a non-empty list")
        return []
    out = []
    for r in refs:
        if not all(isinstance(r.get(k), str) for k in ("parameter", "name", "key")):
            errors.append(f"TriggerAuthentication/{name}: secretTargetRef needs parameter, name, key")
            continue
        if r["parameter"] not in ("connection", "password", "host", "userName", "port", "dbName", "sslmode"):
            errors.append(f"TriggerAuthentication/{name}: {r['parameter']} is not a postgresql scaler parameter")
        out.append(r)
    return out


def container_checks(kind, name, pod, errors):
    """Non-root, read-only root, no privilege escalation, resources set."""
    where = f"{kind}/{name}"
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        errors.append(f"{where}: pod securityContext.runAsNonRoot must be true")
    for c in pod.get("containers", []):
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            errors.append(f"{where}/{c.get('name')}: readOnlyRootFilesystem must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{where}/{c.get('name')}: allowPrivilegeEscalation must be false")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            if "memory" not in res.get(part, {}) or "cpu" not in res.get(part, {}):
                errors.append(f"{where}/{c.get('name')}: resources.{part} needs cpu and memory")


def worker_checks(name, pod, errors):
    """The worker's flags against the pod: grace below the termination grace, one BLAS thread per core."""
    where = f"Deployment/{name}"
    c = pod["containers"][0]
    args = c.get("args", [])
    if not args or args[0] != "work":
        errors.append(f"{where}: the container must run `kneeflow work`")
        return
    def flag(f, default):
        return float(args[args.index(f) + 1]) if f in args else default
    grace, threads = flag("--grace", 30.0), flag("--threads", 1.0)
    if not pod.get("terminationGracePeriodSeconds", 30) > grace:
        errors.append(f"{where}: terminationGracePeriodSeconds must exceed --grace {grace:g}")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    if env.get("OPENBLAS_NUM_THREADS") != "1":
        errors.append(f"{where}: OPENBLAS_NUM_THREADS must be \"1\"")
    cpu = str(c.get("resources", {}).get("limits", {}).get("cpu", ""))
    if threads != 1 or cpu not in ("1", "1000m"):
        errors.append(f"{where}: one thread (--threads 1) per core (cpu limit 1)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubernetes-version", default="1.30.0")
    ap.add_argument("dir")
    a = ap.parse_args()
    errors, checked, queries = [], [], []
    docs = []
    for path in sorted(glob.glob(os.path.join(a.dir, "*.yaml"))):
        try:
            with open(path) as f:
                docs += [(os.path.basename(path), d) for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            errors.append(f"{os.path.basename(path)}: not YAML: {e}")
    secrets, claims, auths = {}, set(), {}
    for fname, d in docs:
        kind, name = d.get("kind"), d.get("metadata", {}).get("name")
        checked.append(f"{fname}: {kind}/{name}")
        if d.get("apiVersion") == KEDA_API:
            if kind == "ScaledObject":
                queries += keda_scaled_object(d, errors)
            elif kind == "TriggerAuthentication":
                auths[name] = keda_trigger_auth(d, errors)
            else:
                errors.append(f"{fname}: unexpected KEDA kind {kind}")
            continue
        try:
            kubernetes_validate.validate(d, a.kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{fname}: {kind}/{name}: {e.message} at {'.'.join(str(p) for p in e.path)}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{fname}: no schema for {kind} ({e})")
        if kind == "Secret":
            secrets[name] = set(d.get("stringData", {})) | set(d.get("data", {}))
        elif kind == "PersistentVolumeClaim":
            claims.add(name)
            if "ReadWriteMany" not in d.get("spec", {}).get("accessModes", []):
                errors.append(f"{fname}: the artifact store must be ReadWriteMany")
    # Cross-file references.
    for fname, d in docs:
        kind, name = d.get("kind"), d.get("metadata", {}).get("name")
        pod = None
        if kind == "Deployment":
            pod = d.get("spec", {}).get("template", {}).get("spec", {})
        elif kind == "Job":
            pod = d.get("spec", {}).get("template", {}).get("spec", {})
        if pod is None:
            continue
        container_checks(kind, name, pod, errors)
        if kind == "Deployment":
            worker_checks(name, pod, errors)
        for c in pod.get("containers", []):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref.get("key") not in secrets.get(ref.get("name"), set()):
                    errors.append(f"{fname}: {kind}/{name}: secret {ref.get('name')} has no key {ref.get('key')}")
        for v in pod.get("volumes", []):
            pvc = v.get("persistentVolumeClaim")
            if pvc and pvc.get("claimName") not in claims:
                errors.append(f"{fname}: {kind}/{name}: no claim {pvc.get('claimName')}")
            sec = v.get("secret")
            if sec:
                for item in sec.get("items", []):
                    if item.get("key") not in secrets.get(sec.get("secretName"), set()):
                        errors.append(f"{fname}: {kind}/{name}: secret {sec.get('secretName')} has no key {item.get('key')}")
    deployments = {d.get("metadata", {}).get("name") for _, d in docs if d.get("kind") == "Deployment"}
    for _, d in docs:
        if d.get("kind") == "ScaledObject":
            target = d.get("spec", {}).get("scaleTargetRef", {}).get("name")
            if target not in deployments:
                errors.append(f"ScaledObject: scaleTargetRef {target} is not a Deployment here")
    for q in queries:
        if q["auth"] is not None and q["auth"] not in auths:
            errors.append(f"{q['trigger']}: no TriggerAuthentication {q['auth']}")
        for r in auths.get(q["auth"], []):
            if r["key"] not in secrets.get(r["name"], set()):
                errors.append(f"TriggerAuthentication/{q['auth']}: secret {r['name']} has no key {r['key']}")
    print(json.dumps({"errors": errors, "checked": checked, "scaler_queries": [q["query"] for q in queries]}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
