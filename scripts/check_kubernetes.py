#!/usr/bin/env python3
"""Checks the Kubernetes manifests in deploy/kubernetes without a cluster.

1. Every file parses as YAML and every document is a Kubernetes object.
2. Every object validates, strictly (no unknown fields), against the API schemas that
   the kubernetes-validate package bundles, for the oldest Kubernetes the templates
   support and the newest the package knows.
3. What the objects refer to exists: ConfigMaps, Secrets and their keys (unless marked
   optional), the claim each volume names, the Service a StatefulSet names and the pods
   its selector picks, and every $(VAR) a command line uses (Kubernetes leaves an
   unknown one in the command as it is, silently).
4. The shards Job is an Indexed Job with one completion per shard of REELPACK_SHARDS,
   running `--shard auto --shards $(REELPACK_SHARDS)`.
5. With --reelpack BIN: every reelpack command line, its variables filled in, names a
   subcommand the real CLI has and only options that subcommand's --help lists.
6. With --run as well: the shards Job's and the merge Job's command lines run here as
   Kubernetes would run them (one process per completion index, JOB_COMPLETION_INDEX
   set) on a small synthetic reel, and `reelpack verify OUT --source SCANS` must pass.
   With --db URL too, the queue's Jobs run the same way against that database (as the
   Secret's `url`): submit, the workers (parallelism at once), the export with the run
   id the submit printed, and verify.

Exit status 0 when all pass, 1 otherwise; each problem is printed with its file.

    python3 scripts/check_kubernetes.py [deploy/kubernetes] [--reelpack BIN [--run [--db URL]]]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

try:
    import kubernetes_validate
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("check_kubernetes: the kubernetes-validate package is missing: run scripts/install-deps.sh")

# Indexed Jobs' backoffLimitPerIndex is on by default from 1.29.
OLDEST_SUPPORTED = "1.29.0"
VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
WORKLOAD_KINDS = {"Job", "StatefulSet", "Deployment", "DaemonSet", "CronJob", "Pod"}


class Manifests:
    """The objects of every YAML file in a folder, each with the file it came from."""

    def __init__(self, folder: Path, problems: list[str]):
        self.objects: list[tuple[Path, dict]] = []
        self.problems = problems
        files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        if not files:
            problems.append(f"{folder}: no .yaml files")
        for path in files:
            try:
                documents = list(yaml.safe_load_all(path.read_text()))
            except yaml.YAMLError as error:
                problems.append(f"{path}: not valid YAML: {error}")
                continue
            for index, document in enumerate(documents):
                if document is None:
                    continue
                if not isinstance(document, dict) or "apiVersion" not in document or "kind" not in document:
                    problems.append(f"{path}: document {index + 1} is not a Kubernetes object (no apiVersion and kind)")
                    continue
                self.objects.append((path, document))

    def named(self, kind: str, name: str) -> dict | None:
        for _, obj in self.objects:
            if obj["kind"] == kind and obj.get("metadata", {}).get("name") == name:
                return obj
        return None

    def of_kind(self, kind: str) -> list[tuple[Path, dict]]:
        return [(path, obj) for path, obj in self.objects if obj["kind"] == kind]


def pod_spec(obj: dict) -> dict | None:
    """The pod template's spec of a workload, None for other kinds."""
    if obj["kind"] not in WORKLOAD_KINDS:
        return None
    if obj["kind"] == "Pod":
        return obj.get("spec", {})
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj) or {}
    return list(spec.get("initContainers", [])) + list(spec.get("containers", []))


def describe(path: Path, obj: dict) -> str:
    return f"{path.name}: {obj['kind']} {obj.get('metadata', {}).get('name', '?')}"


def check_schemas(manifests: Manifests, versions: list[str]) -> None:
    for path, obj in manifests.objects:
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(part) for part in error.path) or "(top)"
                manifests.problems.append(f"{describe(path, obj)}: not valid for Kubernetes {version} at {where}: {error.message}")
            except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
                manifests.problems.append(f"{describe(path, obj)}: no schema for Kubernetes {version}: {error}")


def config_map_data(manifests: Manifests, name: str) -> dict | None:
    obj = manifests.named("ConfigMap", name)
    return None if obj is None else dict(obj.get("data", {}))


def secret_keys(manifests: Manifests, name: str) -> set | None:
    obj = manifests.named("Secret", name)
    if obj is None:
        return None
    return set(obj.get("data", {}) or {}) | set(obj.get("stringData", {}) or {})


def container_environment(manifests: Manifests, path: Path, obj: dict, container: dict) -> dict:
    """Every variable the container gets, with its value where the manifests give one
    ("" for secrets, "1" for a resource field); records missing references."""
    where = f"{describe(path, obj)}, container {container.get('name')}"
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            ref = source["configMapRef"]
            data = config_map_data(manifests, ref["name"])
            if data is None:
                if not ref.get("optional"):
                    manifests.problems.append(f"{where}: envFrom names ConfigMap {ref['name']}, which no manifest defines")
                continue
            environment.update({source.get("prefix", "") + key: str(value) for key, value in data.items()})
        if "secretRef" in source:
            ref = source["secretRef"]
            keys = secret_keys(manifests, ref["name"])
            if keys is None:
                if not ref.get("optional"):
                    manifests.problems.append(f"{where}: envFrom names Secret {ref['name']}, which no manifest defines")
                continue
            environment.update({source.get("prefix", "") + key: "" for key in keys})
    for variable in container.get("env", []):
        name = variable["name"]
        if "value" in variable:
            environment[name] = str(variable["value"])
            continue
        source = variable.get("valueFrom", {})
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            data = config_map_data(manifests, ref["name"])
            if data is None or ref["key"] not in data:
                if not ref.get("optional"):
                    manifests.problems.append(f"{where}: {name} comes from ConfigMap {ref['name']} key {ref['key']}, which no manifest defines")
                continue
            environment[name] = str(data[ref["key"]])
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            keys = secret_keys(manifests, ref["name"])
            if keys is None or ref["key"] not in keys:
                if not ref.get("optional"):
                    manifests.problems.append(f"{where}: {name} comes from Secret {ref['name']} key {ref['key']}, which no manifest defines")
                continue
            environment[name] = ""
        elif "resourceFieldRef" in source:
            environment[name] = "1"
        elif "fieldRef" in source:
            environment[name] = "value"
    return environment


def expand(words: list, environment: dict) -> list[str]:
    return [VARIABLE.sub(lambda match: environment.get(match.group(1), match.group(0)), str(word)) for word in words]


def check_references(manifests: Manifests) -> None:
    claims = {obj["metadata"]["name"] for _, obj in manifests.of_kind("PersistentVolumeClaim")}
    for path, obj in manifests.objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        templates = {t["metadata"]["name"] for t in obj.get("spec", {}).get("volumeClaimTemplates", [])}
        volumes = {volume["name"] for volume in spec.get("volumes", [])}
        for volume in spec.get("volumes", []):
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            if claim is not None and claim not in claims:
                manifests.problems.append(f"{describe(path, obj)}: volume {volume['name']} claims {claim}, which no manifest defines")
        for container in containers(obj):
            where = f"{describe(path, obj)}, container {container.get('name')}"
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volumes | templates:
                    manifests.problems.append(f"{where}: mounts volume {mount['name']}, which the pod does not have")
            environment = container_environment(manifests, path, obj, container)
            for word in list(container.get("command", [])) + list(container.get("args", [])):
                for name in VARIABLE.findall(str(word)):
                    if name not in environment:
                        manifests.problems.append(f"{where}: the command line uses $({name}), which the container's environment does not define")
    for path, obj in manifests.of_kind("StatefulSet"):
        service = manifests.named("Service", obj["spec"].get("serviceName", ""))
        if service is None:
            manifests.problems.append(f"{describe(path, obj)}: serviceName {obj['spec'].get('serviceName')} names no Service of the manifests")
            continue
        labels = obj["spec"]["template"].get("metadata", {}).get("labels", {})
        selector = service["spec"].get("selector", {})
        if not selector or any(labels.get(key) != value for key, value in selector.items()):
            manifests.problems.append(f"{describe(path, obj)}: Service {service['metadata']['name']} selects {selector}, not this StatefulSet's pods ({labels})")


def reelpack_containers(manifests: Manifests):
    for path, obj in manifests.objects:
        for container in containers(obj):
            command = list(container.get("command", []))
            if command[:1] == ["reelpack"]:
                environment = container_environment(manifests, path, obj, container)
                yield path, obj, container, expand(command[1:] + list(container.get("args", [])), environment)


def check_shards_job(manifests: Manifests) -> None:
    """The Indexed Job whose reelpack command line has --shard: its completions must be
    the REELPACK_SHARDS it passes as --shards, or merge finds frames missing."""
    found = False
    for path, obj, container, words in reelpack_containers(manifests):
        if "--shard" not in words:
            continue
        found = True
        where = describe(path, obj)
        spec = obj.get("spec", {})
        if obj["kind"] != "Job" or spec.get("completionMode") != "Indexed":
            manifests.problems.append(f"{where}: runs --shard but is not an Indexed Job (completionMode: Indexed)")
        shard = words[words.index("--shard") + 1] if words.index("--shard") + 1 < len(words) else None
        if shard != "auto":
            manifests.problems.append(f"{where}: runs --shard {shard}; an Indexed Job's pods need --shard auto")
        if "--shards" not in words or words.index("--shards") + 1 >= len(words):
            manifests.problems.append(f"{where}: runs --shard auto without --shards N (JOB_COMPLETION_INDEX alone does not say N)")
            continue
        count = words[words.index("--shards") + 1]
        if not count.isdigit() or int(count) < 1:
            manifests.problems.append(f"{where}: --shards is {count!r}, not a positive count")
            continue
        if spec.get("completions") != int(count):
            manifests.problems.append(f"{where}: completions is {spec.get('completions')} but --shards is {count}: both must be N")
        if spec.get("parallelism", 1) > int(count):
            manifests.problems.append(f"{where}: parallelism {spec.get('parallelism')} is more than the {count} shards")
    if not found:
        manifests.problems.append("no Job runs `reelpack compress --shard`: the shards Job is missing")


def subcommand_and_options(words: list[str]) -> tuple[list[str], list[str]]:
    """The leading words before the first option or path (`queue submit`), and every
    option the line uses (`--profile`, `-o`)."""
    path: list[str] = []
    for word in words:
        if word.startswith("-") or "/" in word or not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        path.append(word)
    options = [word.split("=", 1)[0] for word in words if re.fullmatch(r"--?[A-Za-z][A-Za-z0-9-]*(=.*)?", word)]
    return path, options


def check_cli(manifests: Manifests, reelpack: str) -> None:
    """Each reelpack command line against the real CLI's help for its subcommand."""
    helps: dict[tuple, str | None] = {}
    for path, obj, container, words in reelpack_containers(manifests):
        where = f"{describe(path, obj)}, container {container.get('name')}"
        subcommand, options = subcommand_and_options(words)
        if not subcommand:
            manifests.problems.append(f"{where}: the reelpack command line names no subcommand: {words}")
            continue
        # The longest prefix of the leading words that the CLI takes as a subcommand: its
        # help's usage line names it (an unknown word gets the top-level help instead).
        for length in range(len(subcommand), 0, -1):
            key = tuple(subcommand[:length])
            if key not in helps:
                result = subprocess.run([reelpack, *key, "--help"], capture_output=True, text=True)
                usage = re.search(r"^USAGE: reelpack " + re.escape(" ".join(key)) + r"(\s|$)", result.stdout, re.MULTILINE)
                helps[key] = result.stdout if result.returncode == 0 and usage else None
            if helps[key] is not None:
                break
        else:
            manifests.problems.append(f"{where}: `reelpack {' '.join(subcommand)}` is not a subcommand of {reelpack}")
            continue
        text = helps[key]
        for option in options:
            if not re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text):
                manifests.problems.append(f"{where}: `reelpack {' '.join(key)}` has no option {option} (per its --help)")


def job_command(manifests: Manifests, first_words: list[str]):
    """The Job whose reelpack command line starts with these words: (path, object,
    container, words as written), or None."""
    for path, obj in manifests.objects:
        for container in containers(obj):
            words = list(container.get("command", [])) + list(container.get("args", []))
            if words[:1] == ["reelpack"] and words[1:1 + len(first_words)] == first_words:
                return path, obj, container, words[1:]
    return None


def run_queue_locally(manifests: Manifests, reelpack: str, url: str) -> None:
    """Runs the queue's Jobs here, in order, against the database at `url`."""
    jobs = {name: job_command(manifests, words) for name, words in
            (("submit", ["queue", "submit"]), ("workers", ["worker"]), ("export", ["queue", "export"]))}
    missing = [name for name, job in jobs.items() if job is None]
    if missing:
        manifests.problems.append(f"--db: no Job runs reelpack {', '.join(missing)}")
        return
    work = Path(tempfile.mkdtemp(prefix="reelpack-k8s-queue-"))
    try:
        scans, out = work / "scans", work / "out"
        subprocess.run([reelpack, "synth", "-o", str(scans), "--frames", "8", "--size", "256x136", "--bits", "10",
                        "--kind", "grain"], check=True, capture_output=True)

        def line(name: str, **extra: str) -> tuple[str, list[str], dict]:
            path, obj, container, words = jobs[name]
            environment = container_environment(manifests, path, obj, container)
            environment.update(REELPACK_SRC=str(scans), REELPACK_OUT=str(out), **extra)
            # The Secret's `url`, as a pod gets it; it wins over the PG* variables.
            pod = dict(os.environ, **{k: v for k, v in environment.items() if not k.startswith("PG")}, REELPACK_DB=url)
            return describe(path, obj), expand(words, environment), pod

        where, words, pod = line("submit")
        result = subprocess.run([reelpack, *words], env=pod, capture_output=True, text=True)
        run = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        if result.returncode != 0 or not run.isdigit():
            manifests.problems.append(f"--db: {where} exited {result.returncode} and printed {run!r}: {result.stderr.strip()[-600:]}")
            return
        where, words, pod = line("workers")
        count = int(jobs["workers"][1]["spec"].get("parallelism", 1))
        print(f"check_kubernetes: running {where} here: {count} pods at once, `reelpack {' '.join(words)}`", flush=True)
        workers = [subprocess.Popen([reelpack, *words], env=pod, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(count)]
        failed = False
        for worker in workers:
            _, stderr = worker.communicate()
            if worker.returncode != 0:
                failed = True
                manifests.problems.append(f"--db: {where} exited {worker.returncode}: {stderr.strip()[-600:]}")
        if failed:
            return
        where, words, pod = line("export", REELPACK_RUN=run)
        result = subprocess.run([reelpack, *words], env=pod, capture_output=True, text=True)
        if result.returncode != 0:
            manifests.problems.append(f"--db: {where} exited {result.returncode}: {result.stderr.strip()[-600:]}")
            return
        result = subprocess.run([reelpack, "verify", str(out), "--source", str(scans)], capture_output=True, text=True)
        if result.returncode != 0:
            manifests.problems.append(f"--db: verify after the export exited {result.returncode}: {(result.stdout + result.stderr).strip()[-600:]}")
            return
        print(f"check_kubernetes: the queue's submit, {count} workers and the export ran here; verify is clean")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_shards_locally(manifests: Manifests, reelpack: str) -> None:
    """Runs the shards Job's pods and then the merge Job's as Kubernetes would, here."""
    lines = {}
    for path, obj, container, _ in reelpack_containers(manifests):
        words = list(container.get("command", [])[1:]) + list(container.get("args", []))
        if words[:1] == ["compress"] and "--shard" in words:
            lines["shards"] = (path, obj, container)
        elif words[:1] == ["merge"]:
            lines["merge"] = (path, obj, container)
    if set(lines) != {"shards", "merge"}:
        manifests.problems.append("--run: needs the shards Job and the merge Job")
        return
    work = Path(tempfile.mkdtemp(prefix="reelpack-k8s-"))
    try:
        scans, out = work / "scans", work / "out"
        subprocess.run([reelpack, "synth", "-o", str(scans), "--frames", "8", "--size", "256x136", "--bits", "10",
                        "--kind", "grain"], check=True, capture_output=True)
        path, obj, container = lines["shards"]
        count = int(obj["spec"]["completions"])
        environment = container_environment(manifests, path, obj, container)
        environment.update(REELPACK_SRC=str(scans), REELPACK_OUT=str(out))
        words = expand(list(container.get("command", [])[1:]) + list(container.get("args", [])), environment)
        print(f"check_kubernetes: running {describe(path, obj)} here: {count} pods at once, `reelpack {' '.join(words)}`",
              flush=True)
        # All at once into the same OUT, as the Job's parallelism runs them.
        pods = [subprocess.Popen([reelpack, *words], env=dict(os.environ, JOB_COMPLETION_INDEX=str(index)),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for index in range(count)]
        failed = False
        for index, pod in enumerate(pods):
            _, stderr = pod.communicate()
            if pod.returncode != 0:
                failed = True
                manifests.problems.append(f"--run: {describe(path, obj)} index {index} exited {pod.returncode}: {stderr.strip()[-600:]}")
        if failed:
            return
        path, obj, container = lines["merge"]
        words = expand(list(container.get("command", [])[1:]) + list(container.get("args", [])), dict(environment))
        result = subprocess.run([reelpack, *words], capture_output=True, text=True)
        if result.returncode != 0:
            manifests.problems.append(f"--run: {describe(path, obj)} exited {result.returncode}: {(result.stdout + result.stderr).strip()[-600:]}")
            return
        result = subprocess.run([reelpack, "verify", str(out), "--source", str(scans)], capture_output=True, text=True)
        if result.returncode != 0:
            manifests.problems.append(f"--run: verify after the merge exited {result.returncode}: {(result.stdout + result.stderr).strip()[-600:]}")
            return
        print(f"check_kubernetes: {count} shards and the merge ran here; verify is clean")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="deploy/kubernetes", type=Path)
    parser.add_argument("--reelpack", help="the reelpack binary whose CLI the command lines must fit")
    parser.add_argument("--run", action="store_true", help="also run the shards and merge Jobs' command lines here")
    parser.add_argument("--db", help="with --run: also run the queue's Jobs here against this PostgreSQL URL")
    arguments = parser.parse_args()
    if arguments.run and not arguments.reelpack:
        parser.error("--run needs --reelpack BIN")
    if arguments.db and not arguments.run:
        parser.error("--db goes with --run")

    problems: list[str] = []
    manifests = Manifests(arguments.folder, problems)
    versions = [OLDEST_SUPPORTED, kubernetes_validate.latest_version()]
    check_schemas(manifests, versions)
    check_references(manifests)
    check_shards_job(manifests)
    if arguments.reelpack:
        check_cli(manifests, arguments.reelpack)
        if arguments.run and not problems:
            run_shards_locally(manifests, arguments.reelpack)
        if arguments.run and arguments.db and not problems:
            run_queue_locally(manifests, arguments.reelpack, arguments.db)

    sys.stdout.flush()
    for problem in problems:
        print(f"check_kubernetes: {problem}", file=sys.stderr, flush=True)
    checked = len(manifests.objects)
    print(f"check_kubernetes: {checked} objects in {arguments.folder}, Kubernetes {' and '.join(versions)}: "
          + ("passed" if not problems else f"{len(problems)} problems"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
