using AlpineMirror.Apk;
using AlpineMirror.ClamAv;
using AlpineMirror.InHouse;
using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Reporting;
using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Reporting;

/// <summary>The run report's JSON, byte for byte: CI jobs and operators' scripts read these files.</summary>
public sealed class RunReportTests
{
    private static readonly DateTimeOffset Started = new(2026, 12, 8, 0, 30, 0, TimeSpan.Zero);

    private static readonly ClamAvPlan AntivirusPlan = new(
        new Uri("https://database.clamav.net/"),
        [new DatabasePlan("daily", 27430, 27432, "dns", [27431, 27432], true, 61_000_000, null)],
        null, null, ["bytecode: upstream announces 335, older than the mirror's 336: kept 336"]);

    private static ApkIndexEntry Strace(string version, long size) =>
        new() { Checksum = "Q1" + version, Name = "strace", Version = version, Arch = "x86_64", Size = size };

    private static RunReport Report() => new()
    {
        Target = "Update",
        DryRun = false,
        Succeeded = false,
        ExitCode = 3,
        Error = "test-6.cdiff: signature: expected a valid signature",
        StartedAt = Started,
        Duration = TimeSpan.FromMilliseconds(12_345.6789),
    };

    [Fact]
    public void Should_write_the_plan_and_every_outcome_in_the_json_the_report_files_have()
    {
        // Given an update that planned, mirrored, verified, published, skipped the deploy and ran both other feeds
        var report = Report() with
        {
            Plan = new MirrorPlan
            {
                Snapshot = "3.15.5",
                PreviousSnapshot = "3.15.4",
                Branch = "v3.15",
                Upstream = new Uri("http://127.0.0.1:8080/alpine/"),
                Repositories = [new RepositoryPlan
                {
                    Repo = "main",
                    Arch = "x86_64",
                    Index = ReadOnlyMemory<byte>.Empty,
                    Packages = [Strace("5.17-r1", 521_103)],
                    Added = [],
                    Updated = [new PackageUpdate(Strace("5.17-r0", 521_102), Strace("5.17-r1", 521_103))],
                    Removed = [Strace("5.16-r0", 510_000), Strace("5.16-r0", 1_000) with { Name = "libstdc++" }],
                    Unchanged = 9_999,
                    ToFetch = [Strace("5.17-r1", 521_103)],
                    IndexChanged = true,
                }],
                Releases = [new ReleasePlan
                {
                    Arch = "x86_64",
                    Version = "3.15.5",
                    LatestReleases = ReadOnlyMemory<byte>.Empty,
                    LatestReleasesChanged = true,
                    Images = [],
                    Files = [new ReleaseFile("alpine-netboot-3.15.5-x86_64.tar.gz", 1_000, null, true), new ReleaseFile("latest-releases.yaml", null, null, false)],
                    NetbootImage = "alpine-netboot-3.15.5-x86_64.tar.gz",
                }],
                Kernels = [new KernelChange("linux-lts", "x86_64", "5.15.40-r0", "5.15.41-r0")],
            },
            Mirror = new MirrorResult(8, 9_990, 2, 1, 3, 2_298_923, TimeSpan.FromSeconds(1.23456), 9_000, 1_024),
            Verification = new VerificationReport(10_000, 12, 3_000_000, 11, 10_000, TimeSpan.FromSeconds(0.5), 9_900, VerifyMode.Changed)
            {
                MirroredFiles = 100,
            },
            Published = new SnapshotSwitch("3.15.4", "3.15.5", "v3.15"),
            Deploy = DeployOutcome.Skipped("no kernel changed"),
            InHouse = new InHouseResult(
                "update", "panoptiscan", true, [new InHouseArchResult("x86_64", 4, ["agent-1.0.1-r0"], ["agent-1.0.0-r0"])], ["agent-0.9.0-r0"]),
            Antivirus = new ClamAvResult(
                AntivirusPlan,
                [new DatabaseResult("daily", 27430, 27432, ["daily-27431.cdiff", "daily-27432.cdiff", "daily.cvd"], ["daily-27400.cdiff"], null, null)],
                4, 61_123_456, Started.AddHours(4), null, TimeSpan.FromSeconds(2.5)),
            AntivirusPackage = new ClamAvPackageResult("clamav-db", "27432", true, "panoptiscan: x86_64 +1 −1 (4 listed)"),
        };

        // When it is written as JSON
        var json = report.ToJson();

        // Then the plan's fields are at the top level, after the run's own, and each outcome follows in its section
        Assert.Equal(
            """
            {
              "target": "Update",
              "dryRun": false,
              "succeeded": false,
              "exitCode": 3,
              "error": "test-6.cdiff: signature: expected a valid signature",
              "startedAt": "2026-12-08T00:30:00.0000000\u002B00:00",
              "durationSeconds": 12.346,
              "snapshot": "3.15.5",
              "previousSnapshot": "3.15.4",
              "branch": "v3.15",
              "upstream": "http://127.0.0.1:8080/alpine/",
              "hasChanges": true,
              "repositories": [
                {
                  "repo": "main",
                  "arch": "x86_64",
                  "added": 0,
                  "updated": 1,
                  "removed": 2,
                  "unchanged": 9999,
                  "packagesToFetch": 1,
                  "downloadBytes": 521103,
                  "addedPackages": [],
                  "updatedPackages": [
                    {
                      "name": "strace",
                      "from": "5.17-r0",
                      "to": "5.17-r1",
                      "size": 521103
                    }
                  ],
                  "removedPackages": [
                    {
                      "name": "strace",
                      "version": "5.16-r0",
                      "size": 510000
                    },
                    {
                      "name": "libstdc\u002B\u002B",
                      "version": "5.16-r0",
                      "size": 1000
                    }
                  ]
                }
              ],
              "releases": [
                {
                  "arch": "x86_64",
                  "version": "3.15.5",
                  "netboot": "netboot-3.15.5",
                  "downloadBytes": 1000,
                  "files": [
                    {
                      "name": "alpine-netboot-3.15.5-x86_64.tar.gz",
                      "size": 1000,
                      "fetch": true
                    },
                    {
                      "name": "latest-releases.yaml",
                      "size": null,
                      "fetch": false
                    }
                  ]
                }
              ],
              "kernels": [
                {
                  "package": "linux-lts",
                  "arch": "x86_64",
                  "from": "5.15.40-r0",
                  "to": "5.15.41-r0",
                  "changed": true
                }
              ],
              "totals": {
                "packagesToFetch": 1,
                "releaseFilesToFetch": 1,
                "downloadBytes": 522103,
                "added": 0,
                "updated": 1,
                "removed": 2
              },
              "mirror": {
                "downloaded": 8,
                "reused": 9990,
                "removed": 2,
                "resumed": 1,
                "retried": 3,
                "bytesDownloaded": 2298923,
                "durationSeconds": 1.235
              },
              "verification": {
                "packages": 10000,
                "releaseFiles": 12,
                "bytesHashed": 3000000,
                "removedPackages": 11,
                "previousPackages": 10000,
                "unchangedFiles": 9900,
                "mirroredFiles": 100,
                "mode": "changed",
                "durationSeconds": 0.5
              },
              "published": {
                "from": "3.15.4",
                "to": "3.15.5",
                "branchLink": "v3.15"
              },
              "deploy": {
                "status": "skipped",
                "detail": "no kernel changed"
              },
              "inhouse": {
                "action": "update",
                "repository": "panoptiscan",
                "published": true,
                "archs": [
                  {
                    "arch": "x86_64",
                    "listed": 4,
                    "added": [
                      "agent-1.0.1-r0"
                    ],
                    "removed": [
                      "agent-1.0.0-r0"
                    ]
                  }
                ],
                "skippedWithdrawn": [
                  "agent-0.9.0-r0"
                ],
                "added": 1,
                "removed": 1
              },
              "antivirus": {
                "plan": {
                  "upstream": "https://database.clamav.net/",
                  "databases": [
                    {
                      "database": "daily",
                      "mirrorVersion": 27430,
                      "upstreamVersion": 27432,
                      "versionSource": "dns",
                      "patches": [
                        27431,
                        27432
                      ],
                      "fetchCvd": true,
                      "cvdSize": 61000000,
                      "note": null,
                      "hasChanges": true,
                      "toFetch": [
                        "daily-27431.cdiff",
                        "daily-27432.cdiff",
                        "daily.cvd"
                      ]
                    }
                  ],
                  "nextCheck": null,
                  "waitReason": null,
                  "notes": [
                    "bytecode: upstream announces 335, older than the mirror\u0027s 336: kept 336"
                  ],
                  "hasChanges": true
                },
                "databases": [
                  {
                    "database": "daily",
                    "from": 27430,
                    "to": 27432,
                    "published": [
                      "daily-27431.cdiff",
                      "daily-27432.cdiff",
                      "daily.cvd"
                    ],
                    "removed": [
                      "daily-27400.cdiff"
                    ],
                    "note": null,
                    "error": null
                  }
                ],
                "requests": 4,
                "bytesDownloaded": 61123456,
                "nextCheck": "2026-12-08T04:30:00\u002B00:00",
                "waitReason": null,
                "duration": "00:00:02.5000000"
              },
              "antivirusPackage": {
                "name": "clamav-db",
                "version": "27432",
                "published": true,
                "detail": "panoptiscan: x86_64 \u002B1 \u22121 (4 listed)"
              }
            }
            """,
            json);
    }

    [Fact]
    public void Should_write_only_the_antivirus_plan_of_a_dry_run()
    {
        // Given a dry run of the antivirus feed, which may not ask upstream yet
        var waiting = ClamAvPlan.Waiting(new Uri("https://database.clamav.net/"), Started.AddMinutes(90), "upstream answered 429");
        var report = Report() with { Target = "Antivirus", DryRun = true, Succeeded = true, ExitCode = 0, Error = null, AntivirusPlan = waiting };

        // When it is written as JSON
        var json = report.ToJson();

        // Then the antivirus section holds the plan alone (why it waits), and the sections of steps that did not run are null
        Assert.Equal(
            """
            {
              "target": "Antivirus",
              "dryRun": true,
              "succeeded": true,
              "exitCode": 0,
              "error": null,
              "startedAt": "2026-12-08T00:30:00.0000000\u002B00:00",
              "durationSeconds": 12.346,
              "mirror": null,
              "verification": null,
              "published": null,
              "deploy": null,
              "inhouse": null,
              "antivirus": {
                "plan": {
                  "upstream": "https://database.clamav.net/",
                  "databases": [],
                  "nextCheck": "2026-12-08T02:00:00\u002B00:00",
                  "waitReason": "upstream answered 429",
                  "notes": [],
                  "hasChanges": false
                }
              }
            }
            """,
            json);
    }
}
