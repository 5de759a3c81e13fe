"""Make README.md from nbs/index.ipynb the way `nbdev_readme` would, without Quarto.

nbdev's processors turn the notebook into what the site shows; nbconvert's markdown exporter then
stands in for `quarto render -t gfm`. `--check` exits 1 when README.md is stale.
"""
import re, sys, tempfile, yaml
from pathlib import Path
from nbconvert import MarkdownExporter
from nbdev.config import get_config
from nbdev.processors import FilterDefaults
from execnb.nbio import read_nb, write_nb

def readme_text() -> str:
    cfg = get_config()
    nb = read_nb(cfg.nbs_path/cfg.readme_nb)
    # a cell whose input the site hides (`echo: false`) shows only a figure there; a README has no file for it
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M))]
    FilterDefaults()(nb)
    nb.metadata['language_info'] = {'name': 'python'}  # code blocks fenced as python (nbdev_clean strips this key)
    with tempfile.TemporaryDirectory() as d:
        fn = Path(d)/'index.ipynb'
        write_nb(nb, fn)
        md, _ = MarkdownExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_filename(str(fn))
    # Quarto renders the front matter nbdev made of the title cell as a heading and a description
    fm, body = re.match(r'---\n(.*?)\n---\n(.*)', md, re.S).groups()
    fm = yaml.safe_load(fm)
    md = f"# {fm['title']}\n\n> {fm['description']}\n\n{body.strip()}"
    # chapter links are relative to nbs/ on the site; from the repository root they live in nbs/
    md = re.sub(r'\]\((\d\d_[^)]+\.ipynb)\)', r'](nbs/\1)', md)
    return md.strip() + '\n'

if __name__ == '__main__':
    readme = get_config().config_path/'README.md'
    text = readme_text()
    if '--check' in sys.argv:
        if readme.read_text() != text: sys.exit('README.md is stale: run `python .ci/readme.py` and commit it')
        print('README.md is up to date')
    else: readme.write_text(text)
