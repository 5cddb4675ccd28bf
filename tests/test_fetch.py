"""Remote images: never fetched by default; `--fetch-images` downloads safely."""

import json
import time
import zipfile

from click.testing import CliRunner

from exporter.cli import cli

from local_server import PNG, fixture_server, silent_server  # noqa: F401
from conftest import write_notes


def notes_with_images(folder, *urls):
    body = "\n\n".join(f"![img {n}]({url})" for n, url in enumerate(urls))
    return write_notes(folder, f"# T\n## 1. What does it look like?\nLike this:\n\n{body}\n")


def packed_media(package):
    with zipfile.ZipFile(package) as archive:
        mapping = json.loads(archive.read("media"))
        return {name: archive.read(number) for number, name in mapping.items()}


def test_no_network_by_default(tmp_path, fixture_server):  # noqa: F811
    notes = notes_with_images(tmp_path, fixture_server.url("/pixel.png"))
    result = CliRunner().invoke(cli, ["deck", "-o", str(tmp_path / "out"), str(notes)])
    assert result.exit_code == 0, result.output
    assert fixture_server.connections == 0
    assert packed_media(tmp_path / "out" / "notes.apkg") == {}


def test_fetch_images_downloads_images_only_within_limits(tmp_path, fixture_server):  # noqa: F811
    notes = notes_with_images(tmp_path, fixture_server.url("/pixel.png"), fixture_server.url("/page.html"),
                              fixture_server.url("/huge.png"), fixture_server.url("/missing.png"))
    result = CliRunner().invoke(cli, ["deck", "--fetch-images", "-o", str(tmp_path / "out"), str(notes)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3
    assert "not an image (content type text/html)" in warnings[0]
    assert "larger than 5 MB" in warnings[1]
    assert "404" in warnings[2] or "Not Found" in warnings[2]
    assert all(f"{notes}:" in line for line in warnings)
    media = packed_media(tmp_path / "out" / "notes.apkg")
    assert list(media.values()) == [PNG]
    # A second build reuses the cached file instead of downloading again.
    requests = len(fixture_server.requests)
    notes.write_text(notes.read_text() + "\nMore.\n")
    CliRunner().invoke(cli, ["deck", "--fetch-images", "-o", str(tmp_path / "out"), str(notes)])
    assert fixture_server.requests[requests:].count("/pixel.png") == 0


def test_server_that_never_answers_does_not_hang_the_build(tmp_path, silent_server):  # noqa: F811
    notes = notes_with_images(tmp_path, *(silent_server.url(f"/{n}.png") for n in range(6)))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["deck", "--fetch-images", "-o", str(tmp_path / "out"), str(notes)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert result.output.count("image not fetched") == 6
    assert elapsed < 30  # six hanging images fetched in parallel, each with a 5 s deadline
    assert (tmp_path / "out" / "notes.apkg").exists()


def test_fetch_images_refuses_fake_images_and_stops_a_trickling_server(tmp_path, fixture_server):  # noqa: F811
    notes = notes_with_images(tmp_path, fixture_server.url("/fake.png"), fixture_server.url("/trickle.png"))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["deck", "--fetch-images", "-o", str(tmp_path / "out"), str(notes)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "sent as image/png, but the bytes are not an image" in warnings[0]
    assert "timed out after 5 s" in warnings[1]
    assert elapsed < 15  # the 5 s deadline holds although bytes keep coming (the server sends for a minute)
    assert packed_media(tmp_path / "out" / "notes.apkg") == {}


def test_fetch_images_into_an_unwritable_cache_is_a_warning(tmp_path, fixture_server):  # noqa: F811
    notes = notes_with_images(tmp_path, fixture_server.url("/pixel.png"))
    (tmp_path / "afile").write_text("not a folder")
    result = CliRunner().invoke(cli, ["deck", "--fetch-images", "-o", str(tmp_path / "afile" / "out"), str(notes)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.splitlines()
    assert any(line.startswith("warning:") and "image not fetched: cannot store it" in line for line in lines)
    assert any(line.startswith("error:") and "cannot write output" in line for line in lines)  # the deck neither
