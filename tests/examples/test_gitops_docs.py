"""Issue 11 item 1 (documentation): docs/gitops.md serialises the jobs that deploy, and says
what a user sees when two deployments race.

The CI examples are YAML fences (marked: they are not playbooks); here they are read as what
they are, and every job that deploys to the real controller must hold the lock.
"""
import os

import yaml

from snippets import REPO_ROOT, markdown_snippets

GITOPS = os.path.join(REPO_ROOT, "docs", "gitops.md")


def gitops_text():
    with open(GITOPS, "r", encoding="utf-8") as handle:
        return handle.read()


def ci_files():
    """{"github": workflow, "gitlab": pipeline} from the doc's YAML fences."""
    found = {}
    for snippet in markdown_snippets(gitops_text(), "docs/gitops.md"):
        data = yaml.safe_load(snippet.text)
        if isinstance(data, dict) and "jobs" in data:
            found["github"] = data
        elif isinstance(data, dict) and "stages" in data:
            found["gitlab"] = data
    return found


def commands(job):
    steps = job.get("steps") or []
    return [s["run"] for s in steps if isinstance(s, dict) and "run" in s] + list(job.get("script") or [])


def deploys_to_the_controller(job):
    """Runs deploy without --check and not against an emulator it started itself."""
    runs = commands(job)
    return (any("netsec.zeek.deploy" in c and "--check" not in c for c in runs)
            and not any("start-emulator.sh" in c for c in runs))


def test_every_job_that_deploys_is_serialised():
    files = ci_files()
    assert set(files) == {"github", "gitlab"}, "both CI examples are in docs/gitops.md"
    github = [(name, job) for name, job in files["github"]["jobs"].items() if deploys_to_the_controller(job)]
    assert github, "the GitHub example has an apply job"
    for name, job in github:
        concurrency = job.get("concurrency")
        assert isinstance(concurrency, dict) and concurrency.get("group"), name
        assert concurrency.get("cancel-in-progress") is False, "%s: a running deploy must not be cancelled" % name
    gitlab = [(name, job) for name, job in files["gitlab"].items()
              if isinstance(job, dict) and deploys_to_the_controller(job)]
    assert gitlab, "the GitLab example has an apply job"
    for name, job in gitlab:
        assert job.get("resource_group"), name


def test_the_failures_of_a_race_are_documented():
    text = " ".join(gitops_text().split())
    assert "## One deployment at a time" in text
    assert "another client changed the controller" in text
    assert "`earlier deployment <id> still pending`" in text and "nothing was deployed by this run" in text
    assert "`concurrency:`" in text and "`resource_group:`" in text
