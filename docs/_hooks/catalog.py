"""MkDocs hook: build the energy catalog and the CLI reference from the live registry.

At build time it writes one page per plugin (``catalog/<plugin>.md``) with, for every energy,
its formula and text (from the docstring), parameters, ground truth and a landscape picture
drawn by :func:`ebmcore.plot.save_landscape`, plus an overview page ``catalog/index.md``. The
pictures go straight into the built site; nothing generated is committed. It also fills
``<!-- ebmcore-cli-help -->`` in ``cli.md`` with the ``--help`` text of every subcommand.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import textwrap
from typing import Any

import ebmcore

CATALOG_SECTION = "Catalog"
CLI_MARKER = "<!-- ebmcore-cli-help -->"
PICTURE_RESOLUTION = 150  # grid points per axis
PICTURE_DPI = 110
HMC_TRAJECTORIES = 300  # the configuration of a lattice energy without an exact sampler
HMC_STEPS = 10
HMC_SOURCE = f"the last state of {HMC_TRAJECTORIES} HMC trajectories from the minimizer"
SECTION = re.compile(
    r"^(Args|Arguments|Attributes|Example|Examples|Note|Notes|Raises|References|Returns|Yields):\s*$"
)
ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|obj|exc):`~?([^`]+)`")


# -- docstrings to Markdown ---------------------------------------------------------------------


def rst_to_markdown(text: str) -> str:
    """Turn the reStructuredText bits of a Google-style docstring body into Markdown.

    ``.. math::`` blocks become ``$$`` blocks, ``:math:`...``` becomes ``$...$``, double
    backticks become code and cross-reference roles become code.

    Example:
        >>> print(rst_to_markdown("Energy\\n\\n.. math::\\n\\n    E = x^2\\n\\nwith :math:`x` and ``dim``."))
        Energy
        <BLANKLINE>
        $$
        E = x^2
        $$
        <BLANKLINE>
        with $x$ and `dim`.
    """
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == ".. math::":
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            body = textwrap.dedent("\n".join(block)).strip("\n")
            out += ["$$", body, "$$", ""]
            continue
        out.append(line)
        i += 1
    markdown = "\n".join(out).rstrip() + "\n"
    markdown = re.sub(r":math:`([^`]+)`", r"$\1$", markdown)
    markdown = ROLE.sub(r"`\1`", markdown)
    markdown = re.sub(r"``([^`]+)``", r"`\1`", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).rstrip() + "\n"


def split_docstring(doc: str) -> dict[str, str]:
    """Split a Google-style docstring into ``{"": body, "Args": ..., "Example": ...}`` (dedented).

    Example:
        >>> sorted(split_docstring("Body.\\n\\nArgs:\\n    a: x\\n\\nExample:\\n    >>> 1\\n    1\\n"))
        ['', 'Args', 'Example']
    """
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in doc.splitlines():
        match = SECTION.match(line)
        if match:
            current = match.group(1)
            sections[current] = []
        else:
            sections[current].append(line)
    return {key: textwrap.dedent("\n".join(value)).strip() for key, value in sections.items()}


def parse_args_section(text: str) -> dict[str, str]:
    """``{"name": "description"}`` from the body of an ``Args:`` section.

    Example:
        >>> parse_args_section("dim: dimension\\n    of x.\\nb (float): steepness.")
        {'dim': 'dimension of x.', 'b': 'steepness.'}
    """
    entries: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        match = re.match(r"^(\*{0,2}\w+)(?: \([^)]*\))?:\s*(.*)$", line)
        if match and not line.startswith((" ", "\t")):
            name = match.group(1).lstrip("*")
            entries[name] = match.group(2).strip()
        elif name is not None and line.strip():
            entries[name] = f"{entries[name]} {line.strip()}".strip()
    return entries


# -- pages --------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def picture_name(name: str) -> str:
    """Where the picture of energy ``name`` lives in the site, relative to ``catalog/``."""
    return "img/" + name.replace("/", "__") + ".png"


def configuration_picture_name(name: str) -> str:
    """Where the sample configuration of lattice energy ``name`` lives, relative to ``catalog/``."""
    return "img/" + name.replace("/", "__") + "__configuration.png"


def is_lattice(name: str, model: Any) -> bool:
    """Whether the catalog draws a sample configuration of ``model``: a ``lattice`` energy whose
    event shape has two axes (a field on an ``L x L`` lattice)."""
    shape = model.event_shape
    return "lattice" in ebmcore.info(name).tags and shape is not None and len(shape) == 2


def lattice_configuration(model: Any, seed: int = 0) -> tuple[Any, str]:
    """One configuration of a lattice model and how it was drawn: an exact sample where the model
    has a sampler, else the last state of a short seeded HMC run (``HMC_TRAJECTORIES``
    trajectories of ``HMC_STEPS`` leapfrog steps, the step size halved while fewer than half of
    the proposals are accepted) from the first known minimizer, or the origin.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    try:
        return model.sample(1, generator=generator)[0], "an exact sample"
    except NotImplementedError:
        pass
    minima = model.minima
    x = (
        minima.points[0] if minima is not None else torch.zeros(model.event_shape, dtype=torch.float64)
    ).clone()
    x = x.to(torch.float64)
    energy, grad = model.energy_and_gradient(x)
    eps, accepted = 0.25, 0
    for t in range(1, HMC_TRAJECTORIES + 1):
        p = torch.randn(x.shape, generator=generator, dtype=x.dtype)
        y, q, e, g = x, p - 0.5 * eps * grad, energy, grad
        for step in range(HMC_STEPS):
            y = y + eps * q
            e, g = model.energy_and_gradient(y)
            q = q - (eps if step < HMC_STEPS - 1 else 0.5 * eps) * g
        log_ratio = float(energy - e + 0.5 * (p * p).sum() - 0.5 * (q * q).sum())
        if math.log(float(torch.rand((), generator=generator, dtype=x.dtype))) < log_ratio:
            x, energy, grad, accepted = y, e, g, accepted + 1
        if t % 20 == 0 and t <= HMC_TRAJECTORIES // 2:  # tuning only in the first half
            if accepted < 10:
                eps *= 0.5
            accepted = 0
    return x, HMC_SOURCE


def ground_truth_lines(model: Any) -> list[str]:
    """Markdown bullet lines describing the ground truth a model instance knows."""
    lines = [f"- dimension: {model.dim}"]
    if model.event_shape is not None and len(model.event_shape) != 1:
        lines.append(f"- event shape: `{tuple(model.event_shape)}`")
    bounds = model.bounds
    if bounds is not None:
        lo, hi = bounds.reshape(2, -1).tolist()
        if len(set(lo)) == 1 and len(set(hi)) == 1:
            lines.append(f"- bounds: $[{lo[0]:g}, {hi[0]:g}]^{{{model.dim}}}$")
        else:
            lines.append(f"- bounds: lower `{_fmt(lo)}`, upper `{_fmt(hi)}`")
    else:
        lines.append("- bounds: not given (pictures use the minima ± 3, or $[-3, 3]$)")
    minima = model.minima
    if minima is not None:
        shown = [[round(v, 6) for v in p] for p in minima.points.reshape(len(minima.points), -1)[:4].tolist()]
        more = f" ({minima.count} in all)" if minima.count > len(shown) else ""
        lines.append(f"- global minimum: $E = {minima.value:g}$ at `{_fmt(shown)}`{more}")
    else:
        lines.append("- global minimum: not declared (`minima` is None)")
    log_z = model.log_partition()
    lines.append(
        f"- log partition: $\\log Z = {log_z:.10g}$" if log_z is not None else "- log partition: unknown"
    )
    for label, moment in (("mean", model.mean), ("marginal standard deviations", model.stddev)):
        if moment is not None:
            values = [round(v, 6) for v in moment.reshape(-1).tolist()]
            lines.append(
                f"- {label}: `{_fmt(values[:6])}`" + (f" ({len(values)} values)" if len(values) > 6 else "")
            )
    modes = model.modes
    if modes is not None:
        listed = f", {len(modes.points)} listed" if len(modes.points) < modes.count else ""
        weights = [round(w, 6) for w in modes.weights[:6].tolist()]
        lines.append(
            f"- modes: {modes.count}{listed}, masses `{_fmt(weights)}`"
            + (" ..." if len(modes.weights) > 6 else "")
        )
    try:
        model.sample(1)
        lines.append("- exact sampler: yes (`model.sample(n)`)")
    except NotImplementedError:
        lines.append("- exact sampler: no")
    reference = getattr(model, "reference_info", None)
    if reference:
        lines.append(f"- certified reference draws (`model.reference_samples()`): {reference['summary']}")
    return lines


def energy_section(name: str) -> tuple[str, bytes | None]:
    """The Markdown section of one energy and its picture (PNG bytes, or None)."""
    import ebmcore.plot

    meta = ebmcore.info(name)
    parts = split_docstring(meta.doc)
    anchor = name.replace("/", "-")
    out = [f"## {name} {{ #{anchor} }}", "", f"*{meta.summary}*" if meta.summary else "", ""]
    facts = [f"`{meta.qualified_name}`"]
    if meta.aliases:
        facts.append("aliases " + ", ".join(f"`{a}`" for a in meta.aliases))
    if meta.tags:
        facts.append("tags " + ", ".join(f"`{t}`" for t in meta.tags))
    out += [" · ".join(facts), ""]
    if parts.get(""):
        body = parts[""].split("\n", 1)
        out += [rst_to_markdown(body[1] if len(body) > 1 else body[0]), ""]
    described = parse_args_section(parts.get("Args", parts.get("Arguments", "")))
    if meta.parameters:
        out += ["**Parameters**", "", "| name | default | allowed | meaning |", "| --- | --- | --- | --- |"]
        for p in meta.parameters:
            default = "*required*" if p.required else f"`{_fmt(p.default)}`"
            meaning = rst_to_markdown(described.get(p.name, "")).strip()
            out.append(f"| `{p.name}` | {_cell(default)} | {_cell(p.allowed or '')} | {_cell(meaning)} |")
        out.append("")
    picture: bytes | None = None
    try:
        model = ebmcore.plot.gallery_model(name)
    except Exception as exc:  # a required parameter: say so, draw nothing
        out += [f"**Ground truth**: no instance without arguments ({_cell(str(exc))}).", ""]
    else:
        shown = "`dim=2`" if model.config.get("dim") == 2 else "default arguments"
        out += [f"**Ground truth** (instance with {shown})", "", *ground_truth_lines(model), ""]
        if model.dim >= 2:
            buffer = io.BytesIO()
            try:
                model.sample(1)
                samples = 300
            except NotImplementedError:
                samples = 0
            ebmcore.plot.save_landscape(
                model, buffer, dpi=PICTURE_DPI, resolution=PICTURE_RESOLUTION, samples=samples
            )
            picture = buffer.getvalue()
            command = f"ebmcore plot {name}" + (" --param dim=2" if "dim=2" in shown else "")
            if samples:
                command += f" --samples {samples}"
            out += [
                f"![Energy landscape of {name}]({picture_name(name)}){{ width=480 }}",
                "",
                f"*Drawn by `{command}`: red stars are the global minima"
                + (", white dots exact samples" if samples else "")
                + ".*",
                "",
            ]
            if is_lattice(name, model):  # the picture itself is drawn by configuration_picture
                source = "an exact sample" if samples else HMC_SOURCE
                out += [
                    f"![A configuration of {name}]({configuration_picture_name(name)}){{ width=400 }}",
                    "",
                    f"*A configuration of the field: {source} (`ebmcore.plot.configuration`).*",
                    "",
                ]
    refs = parts.get("References")
    if refs:
        out += ["**References**", "", rst_to_markdown(refs), ""]
    example = parts.get("Example", parts.get("Examples"))
    if example:
        out += ["**Example**", "", "```pycon", example, "```", ""]
    return "\n".join(out), picture


def configuration_picture(name: str) -> bytes | None:
    """The sample configuration of a lattice energy as PNG bytes (:func:`lattice_configuration`
    drawn by :func:`ebmcore.plot.save_configuration`), or None for other energies."""
    import ebmcore.plot

    try:
        model = ebmcore.plot.gallery_model(name)
    except Exception:  # a required parameter: nothing drawn (energy_section says so)
        return None
    if model.dim < 2 or not is_lattice(name, model):  # the same condition as in energy_section
        return None
    x, _ = lattice_configuration(model)
    buffer = io.BytesIO()
    ebmcore.plot.save_configuration(model, buffer, x, dpi=PICTURE_DPI)
    return buffer.getvalue()


def plugin_page(plugin: ebmcore.PluginInfo) -> tuple[str, dict[str, bytes]]:
    """The catalog page of one plugin and its pictures (site paths relative to ``catalog/``)."""
    names = ebmcore.list_energies(plugin=plugin.name)
    version = f" {plugin.version}" if plugin.version else ""
    source = (
        f"distribution `{plugin.distribution}{version}`" if plugin.distribution else "registered in process"
    )
    out = [
        f"# {plugin.name}",
        "",
        f"Plugin `{plugin.name}` ({source}), hook module `{plugin.module}`: {len(names)} energies. "
        "This page is generated from the registry when the documentation is built.",
        "",
    ]
    pictures: dict[str, bytes] = {}
    for name in names:
        section, picture = energy_section(name)
        out += [section, ""]
        if picture is not None:
            pictures[picture_name(name)] = picture
        configuration = configuration_picture(name)
        if configuration is not None:
            pictures[configuration_picture_name(name)] = configuration
    return "\n".join(out), pictures


def index_page(plugins: list[ebmcore.PluginInfo]) -> str:
    """The catalog overview: every energy with its plugin and summary."""
    out = [
        "# Catalog",
        "",
        "Every energy registered when this documentation was built, one page per plugin. The "
        "same list is printed by `ebmcore list`; `ebmcore info NAME` shows one entry.",
        "",
        "| energy | plugin | summary |",
        "| --- | --- | --- |",
    ]
    for plugin in plugins:
        for name in ebmcore.list_energies(plugin=plugin.name):
            summary = ebmcore.info(name).summary
            anchor = name.replace("/", "-")
            out.append(f"| [`{name}`]({plugin.name}.md#{anchor}) | {plugin.name} | {_cell(summary)} |")
    failed = [p for p in ebmcore.plugins() if p.problems]
    if failed:
        out += ["", "Plugins that reported problems: " + ", ".join(f"`{p.name}`" for p in failed) + "."]
    return "\n".join(out) + "\n"


def catalog_plugins() -> list[ebmcore.PluginInfo]:
    """Plugins with at least one usable energy."""
    return [p for p in ebmcore.plugins() if ebmcore.list_energies(plugin=p.name)]


def cli_help() -> str:
    """The ``--help`` text of ``ebmcore`` and each subcommand, as Markdown."""
    from ebmcore import _cli

    parser = _cli.build_parser()
    out = ["```console", "$ ebmcore --help", parser.format_help().rstrip(), "```", ""]
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for command, sub in subparsers.choices.items():  # type: ignore[attr-defined]
        out += [f"### ebmcore {command}", "", "```console", f"$ ebmcore {command} --help"]
        out += [sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


# -- MkDocs hooks -------------------------------------------------------------------------------


def _google_example_sections() -> None:
    """Read ``Example:`` like ``Examples:`` in the API reference (the project's docstring style).

    griffe's Google parser knows only the plural as an examples section and renders the
    singular as an admonition, where ``>>>`` lines would show as Markdown quotes. Where griffe's
    table of section names moved, the singular stays an admonition (still correct, less pretty).
    """
    with contextlib.suppress(ImportError, AttributeError):
        from griffe import DocstringSectionKind
        from griffe._internal.docstrings import google

        google._section_kind.setdefault("example", DocstringSectionKind.examples)


def on_config(config: Any) -> Any:
    """Put one nav entry per plugin under the Catalog section."""
    _google_example_sections()
    entries: list[Any] = [{"Overview": "catalog/index.md"}]
    entries += [{p.name: f"catalog/{p.name}.md"} for p in catalog_plugins()]
    for item in config.nav or []:
        if isinstance(item, dict) and CATALOG_SECTION in item:
            item[CATALOG_SECTION] = entries
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated catalog pages and pictures to the site."""
    from mkdocs.structure.files import File

    plugins = catalog_plugins()
    files.append(File.generated(config, "catalog/index.md", content=index_page(plugins)))
    for plugin in plugins:
        page, pictures = plugin_page(plugin)
        files.append(File.generated(config, f"catalog/{plugin.name}.md", content=page))
        for path, data in pictures.items():
            files.append(File.generated(config, f"catalog/{path}", content=data))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the CLI reference with the live ``--help`` texts."""
    if CLI_MARKER in markdown:
        with contextlib.redirect_stdout(io.StringIO()):
            help_text = cli_help()
        markdown = markdown.replace(CLI_MARKER, help_text)
    return markdown
