"""Check the course site up to Quarto, render each chapter with nbconvert, and look at pages in headless Chromium.

`nbdev_docs` needs Quarto, which cannot be installed here; this does everything `nbdev_docs` does before
calling Quarto (the same processors, so the same pages), then checks what a reader would see.
"""
import inspect, re, shutil, subprocess, sys, yaml
from importlib import import_module
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config
from nbdev.doclinks import _build_modidx
from nbdev.quarto import nbdev_sidebar, refresh_quarto_yml
from nbdev.serve import proc_nbs

CHAPTERS = {'00_tokenizers': 'tokenizers', '01_attention': 'attention', '02_gpt': 'model', '03_data': 'data',
            '04_training': 'train', '05_sampling': 'sampler', '06_chat': 'chat'}
cfg = get_config()
out = cfg.config_path/'.ci'/'out'/'site'
problems = []

def process() -> Path:
    "What `nbdev_proc_nbs` does, less its attempt to download Quarto"
    refresh_quarto_yml()
    _build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
    return proc_nbs(cfg.nbs_path, force=True)

def sidebar_order() -> list[str]:
    side = yaml.safe_load((cfg.nbs_path/'sidebar.yml').read_text())
    return [Path(o).stem for o in side['website']['sidebar']['contents']]

def outputs(nb, mime):
    return [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []) if mime in o.get('data', {})]

def text_of(nb) -> str:
    parts = [c.source for c in nb.cells]
    for c in nb.cells:
        for o in c.get('outputs', []):
            parts += [str(v) for k, v in o.get('data', {}).items() if k.startswith('text/')]
    return '\n'.join(parts)

def check_chapter(nb, name):
    text = text_of(nb)
    if len(nb.cells) < 10: problems.append(f'{name}: only {len(nb.cells)} cells')
    if not outputs(nb, 'image/png'): problems.append(f'{name}: no figures in the saved outputs')
    for heading in ('## Summary', '## Exercises'):
        if heading not in text: problems.append(f'{name}: no "{heading}" section')
    mod = import_module(f'picogpt.{CHAPTERS[name]}')
    # nbdev documents every exported class and function (constants get no show_doc)
    for sym in [s for s in getattr(mod, '__all__', []) if inspect.isclass(getattr(mod, s)) or callable(getattr(mod, s))]:
        if not re.search(rf'#+ {re.escape(sym)}\b|>\s*{re.escape(sym)}\b|\b{re.escape(sym)}\b\s*\n*>', text):
            problems.append(f'{name}: no API docs for {sym}')

def to_html(nb_path: Path, dest: Path):
    "nbconvert stands in for Quarto: the front matter becomes the page's title and summary"
    nb = read_nb(nb_path)
    for c in nb.cells:
        m = re.match(r'---\n(.*?)\n---', c.source, re.S) if c.cell_type == 'raw' else None
        if m:
            fm = yaml.safe_load(m.group(1))
            c.cell_type, c.source = 'markdown', f"# {fm.get('title', '')}\n\n> {fm.get('description', '')}"
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M):
            c.metadata['tags'] = ['remove_input']  # Quarto hides these inputs (nbdev's show_doc cells)
    tmp = dest.with_suffix('.ipynb')
    write_nb(nb, tmp)
    exporter = HTMLExporter(template_name='lab')
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    html, _ = exporter.from_filename(str(tmp))
    tmp.unlink()
    dest.write_text(html)

def screenshot(page: Path, png: Path):
    chrome = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not chrome: return problems.append('no Chromium found to open the pages (apt-get install chromium)')
    subprocess.run([chrome, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                    '--disable-background-networking', '--disable-component-update', '--disable-sync',
                    f'--user-data-dir={out/"chrome-profile"}', '--hide-scrollbars', '--window-size=1280,1600',
                    '--virtual-time-budget=5000', f'--screenshot={png}', page.as_uri()],
                   capture_output=True, timeout=120)
    if not png.exists(): return problems.append(f'{page.name}: Chromium saved no screenshot')
    from PIL import Image
    im = Image.open(png).convert('L')
    ink = sum(im.histogram()[:200]) / (im.width * im.height)
    print(f'screenshot {png.name}: {im.width}x{im.height}, {ink:.1%} of pixels inked')
    if ink < 0.01: problems.append(f'{page.name}: the page looks blank in Chromium ({ink:.2%} inked)')

if __name__ == '__main__':
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    proc = process()
    order = sidebar_order()
    want = ['index', *CHAPTERS]
    if [o for o in order if o in want] != want: problems.append(f'sidebar order is {order}, expected {want}')
    for name in want:
        p = proc/f'{name}.ipynb'
        if not p.exists():
            problems.append(f'{name}: page missing from the processed site'); continue
        if name != 'index': check_chapter(read_nb(p), name)
        to_html(p, out/f'{name}.html')
    for name in ('index', '04_training'):
        if (out/f'{name}.html').exists(): screenshot(out/f'{name}.html', out/f'{name}.png')
    print(f'site: {len(want)} pages rendered to {out}')
    if problems: sys.exit('site check failed:\n  ' + '\n  '.join(problems))
    print('site check passed')
