"""Check the course site the way a reader sees it, up to Quarto, and look at every page in headless Chromium.

`nbdev_docs` needs Quarto, which cannot be installed here. This does everything `nbdev_docs` does before
calling Quarto (the same processors, so the same pages), renders each processed page to HTML with nbconvert,
typesets its math with MathJax 3 (installed from npm and served from disk), and opens it in headless Chromium.
It fails unless every notebook is a page in the sidebar, and on every page:
- no saved output is an error or a traceback;
- the `class`/`def` line of each definition the page builds (`TAUGHT`) is in a visible code cell, and in
  the rendered page;
- the page's opening paragraph is there;
- the math is typeset: no `$...$` or `\\(...\\)` left in the text, and some typeset formula on a page with math;
- there is a `## Summary` section; a chapter (00-06) also has figures in its saved outputs, `## Exercises`,
  fewer than 4,000 words of prose before them, and no code cell that names the machinery of "Under the hood";
and it prints a table of what each page shows.
"""
import re, shutil, subprocess, sys, yaml
from html.parser import HTMLParser
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config
from nbdev.doclinks import _build_modidx
from nbdev.quarto import nbdev_sidebar, refresh_quarto_yml
from nbdev.serve import proc_nbs

# The definitions each page builds, whose source a reader must be able to see on it
TAUGHT = {
    '00_tokenizers': ['BaseTokenizer', 'CharTokenizer', 'WordTokenizer', 'BPETokenizer', 'tokenizer_from_json', 'load_tokenizer'],
    '01_attention': ['KVCache', 'CausalSelfAttention'],
    '02_gpt': ['GPTConfig', 'MLP', 'Block', 'GPT', 'plot_architecture', 'num_params', 'flops_per_token', 'from_pretrained'],
    '03_data': ['text_files', 'read_chunks', 'split_point', 'train_tokenizer', 'prepare', 'load_dataset', 'get_batch'],
    '04_training': ['estimate_loss', 'get_lr', 'configure_optimizer', 'pick_device', 'autocast_context', 'train_step',
                    'TrainConfig', 'Run', 'rng_state', 'build_run', 'evaluate', 'save_state', 'Callback', 'fit', 'train',
                    'load_model', 'plot_losses'],
    '05_sampling': ['top_k_filter', 'top_p_filter', 'apply_repetition_penalty', 'sample_next', 'iter_tokens', 'generate',
                    'default_step', 'stream', 'generate_text'],
    '06_chat': ['turn_text', 'question_text', 'format_chat', 'recent_turns', 'whole_sentences', 'Chat', 'ChatWidget',
                'passage_turns', 'chat_passages', 'encode_chat', 'prepare_chat', 'quickstart'],
    '10_cpu': ['default_threads', 'thread_setting', 'thread_counts', 'ThreadPicker', 'thread_picker', 'float32_attention',
               'native_bfloat16', 'CpuSpeed'],
    '11_checkpoints': ['save_checkpoint', 'load_checkpoint', 'checked_config', 'load_checked_model', 'pretrained_checkpoint',
                       'source_checkpoint'],
    '12_runs': ['run_lock', 'check_run_dir', 'read_metrics', 'resolve_config', 'start_run', 'RunFolder', 'StopFlag', 'Stopping',
                'Progress', 'Processes', 'train_run'],
    '13_fast_decoding': ['one_query_attention', 'written_out_attention', 'compile_decoder', 'step_weights', 'build_package',
                         'ExportedStep', 'cache_dir', 'step_key', 'step_library', 'exported_step', 'compiled_step', 'decoding_step', 'Int8Linear', 'quantize_int8'],
    '14_commands': ['command', 'as_flags', 'load_checked', 'write_samples', 'smoke_cpu', 'smoke_train'],
    '15_benchmarks': [],
}
CHAPTERS = [n for n in TAUGHT if n < '10']  # the course; the pages after it are "Under the hood"
# what the chapters leave to "Under the hood": none of their code cells may name it
MACHINERY = re.compile(r'ThreadPicker|thread_picker|set_num_threads|run_lock|fsync|\bsignal\.|SIGINT|SIGTERM|StopFlag|aoti_|'
                       r'AOTInductor|Int8Linear|quantize_int8|int8pack|CUDAGraph|cuda\.graphs?\b')
MAX_WORDS = 4000  # prose of a chapter before its exercises
PAGES = ['index', *TAUGHT]
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
    "The pages in the sidebar's order, sections flattened"
    def pages(items): return [p for o in items for p in (pages(o['contents']) if isinstance(o, dict) else [Path(o).stem])]
    return pages(yaml.safe_load((cfg.nbs_path/'sidebar.yml').read_text())['website']['sidebar']['contents'])

def saved_errors(nb) -> int:
    "Outputs that are errors or hold a traceback: a page must never show one"
    return sum(o.get('output_type') == 'error' or 'Traceback (most recent call last)' in ''.join(o.get('text', ''))
               for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []))

def prose_words(nb) -> int:
    "Words of markdown before the `## Exercises` heading"
    words = 0
    for c in nb.cells:
        if c.cell_type != 'markdown': continue
        if re.search(r'^## Exercises', c.source, re.M): return words + len(c.source.split('## Exercises')[0].split())
        words += len(c.source.split())
    return words

def mathjax() -> Path:
    "MathJax 3's single-file TeX-to-HTML build, installed from npm on first use"
    js = out.parent/'mathjax'/'node_modules'/'mathjax'/'es5'/'tex-chtml-full.js'
    if not js.exists():
        subprocess.run(['npm', 'install', '--silent', '--no-audit', '--no-fund', '--prefix', str(js.parents[3]), 'mathjax@3'],
                       check=True, capture_output=True)
    return js

def hidden(cell) -> bool: return bool(re.search(r'^#\|\s*(echo:\s*false|hide)\b', cell.source, re.M))

def visible_code(nb) -> list[str]:
    "Sources of the code cells a reader sees (nbdev has already dropped `#| export` and `#| hide` cells)"
    return [c.source for c in nb.cells if c.cell_type == 'code' and not hidden(c)]

def figures(nb) -> int:
    return sum('image/png' in o.get('data', {}) for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []))

def has_math(nb) -> bool:
    return any(re.search(r'\$[^$\s][^$]*\$|\\\(', c.source) for c in nb.cells if c.cell_type == 'markdown')

def opening(src_nb) -> str:
    "The first sentence of a chapter's opening paragraph: the first markdown cell after the title cell"
    md = [c.source for c in src_nb.cells if c.cell_type == 'markdown']
    return re.split(r'(?<=[.:;])\s', ' '.join(md[1].split()))[0] if len(md) > 1 and not md[1].startswith('#') else ''

MJ_CONFIG = """<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
  processEscapes: true}, startup: {pageReady: () => MathJax.startup.defaultPageReady().then(() => {
  document.body.dataset.typeset = 'done'; document.body.dataset.height = document.documentElement.scrollHeight; })}};</script>"""

def to_html(nb_path: Path, dest: Path, mj: Path):
    "nbconvert stands in for Quarto: the front matter becomes the page's title and summary; MathJax 3 from disk"
    nb = read_nb(nb_path)
    for c in nb.cells:
        m = re.match(r'---\n(.*?)\n---', c.source, re.S) if c.cell_type == 'raw' else None
        if m:
            fm = yaml.safe_load(m.group(1))
            c.cell_type, c.source = 'markdown', f"# {fm.get('title', '')}\n\n> {fm.get('description', '')}"
        if c.cell_type == 'code' and hidden(c): c.metadata['tags'] = ['remove_input']  # Quarto hides these inputs
    tmp = dest.with_suffix('.ipynb')
    write_nb(nb, tmp)
    exporter = HTMLExporter(template_name='lab')
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    html, _ = exporter.from_filename(str(tmp))
    tmp.unlink()
    html = re.sub(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->',
                  lambda _: f'{MJ_CONFIG}\n<script src="{mj.as_uri()}"></script>', html, flags=re.S)
    dest.write_text(html)

def chrome(*args, timeout=180) -> subprocess.CompletedProcess:
    exe = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not exe: sys.exit('site check failed: no Chromium to open the pages (apt-get install chromium)')
    return subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                           '--disable-background-networking', '--disable-component-update', '--disable-sync',
                           '--allow-file-access-from-files', f'--user-data-dir={out/"chrome-profile"}', '--hide-scrollbars',
                           '--virtual-time-budget=15000', *args], capture_output=True, text=True, timeout=timeout)

class Reader(HTMLParser):
    "The typeset DOM as a reader sees it: prose text, code text, typeset formulas"
    def __init__(self):
        super().__init__()
        self.prose, self.code, self.formulas, self.stack, self.attrs = [], [], 0, [], {}
    def handle_starttag(self, tag, attrs):
        if tag == 'body': self.attrs = dict(attrs)
        if tag == 'mjx-container': self.formulas += 1
        if tag not in ('br', 'img', 'hr', 'input', 'meta', 'link'): self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag == 'pre': self.code.append('\n')
        while self.stack and self.stack.pop() != tag: pass
    def handle_data(self, data):
        if any(t in ('script', 'style') for t in self.stack): return
        if any(t.startswith('mjx') for t in self.stack): return
        (self.code if any(t in ('pre', 'code') for t in self.stack) else self.prose).append(data)

def look(page: Path, png: Path) -> dict:
    "Open `page` in Chromium once to read the typeset DOM and once for a full-length screenshot"
    dom = Reader()
    dom.feed(chrome('--dump-dom', page.as_uri()).stdout)
    height = min(int(dom.attrs.get('data-height', 1600)), 16000)
    chrome('--window-size=1280,%d' % height, f'--screenshot={png}', page.as_uri())
    return dict(dom=dom, height=height, page=int(dom.attrs.get('data-height', 0)), typeset=dom.attrs.get('data-typeset') == 'done', png=png)

def check_page(name, proc_nb, src_nb, seen) -> dict:
    dom, prose, code = seen['dom'], ' '.join(' '.join(seen['dom'].prose).split()), ''.join(seen['dom'].code)
    if not seen['typeset']: problems.append(f'{name}: MathJax did not finish typesetting')
    raw = re.findall(r'\$[^$\s][^$]{0,60}\$|\\\([^)]{0,60}\\\)', prose)
    if raw: problems.append(f'{name}: math left as text: {raw[:3]}')
    if has_math(proc_nb) and not dom.formulas: problems.append(f'{name}: the page has math but no typeset formula')
    if not seen['png'].exists(): problems.append(f'{name}: Chromium saved no screenshot')
    if saved_errors(src_nb): problems.append(f'{name}: {saved_errors(src_nb)} saved error output(s)')
    if name == 'index': return dict(cells=len(visible_code(proc_nb)), figures=figures(proc_nb), formulas=dom.formulas)
    cells = visible_code(proc_nb)
    if name in CHAPTERS:
        named = sorted({m[0] for c in src_nb.cells if c.cell_type == 'code' for m in MACHINERY.finditer(c.source)})
        if named: problems.append(f'{name}: chapter code names machinery that belongs under the hood: {named}')
        if prose_words(src_nb) >= MAX_WORDS: problems.append(f'{name}: {prose_words(src_nb):,} words of prose before the exercises')
    for d in TAUGHT[name]:
        pattern = rf'^\s*(class|def) {d}\b'
        if not any(re.search(pattern, s, re.M) for s in cells): problems.append(f'{name}: the source of {d} is not in a visible cell')
        elif not re.search(pattern, code, re.M): problems.append(f'{name}: the source of {d} is not on the rendered page')
    first = opening(src_nb)
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', ' '.join(first.split()))  # a link reads as its text
    text = re.sub(r'`[^`]*`', '', text)  # inline code is read as code, not prose
    bare = lambda t: re.sub(r'[`*_\s]', '', t)  # markup and the spaces around tags aside
    if not first or bare(text)[:70] not in bare(prose):
        problems.append(f'{name}: the opening paragraph is missing ({first[:60]!r})')
    if name in CHAPTERS and not figures(proc_nb): problems.append(f'{name}: no figures in the saved outputs')
    for heading in ('Summary', 'Exercises') if name in CHAPTERS else ('Summary',):
        if not any(re.search(rf'^## {heading}\b', c.source, re.M) for c in proc_nb.cells if c.cell_type == 'markdown'):
            problems.append(f'{name}: no "## {heading}" section')
    return dict(cells=len(cells), figures=figures(proc_nb), formulas=dom.formulas)

if __name__ == '__main__':
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    proc = process()
    order = sidebar_order()
    if order != PAGES: problems.append(f'sidebar order is {order}, expected {PAGES}')
    notebooks = sorted(p.stem for p in cfg.nbs_path.glob('*.ipynb'))
    if sorted(PAGES) != notebooks: problems.append(f'notebooks {notebooks} are not the pages {sorted(PAGES)}: every notebook is a page')
    rendered = [Path(n).stem for n in yaml.safe_load((cfg.nbs_path/'_quarto.yml').read_text())['project']['render']]
    if rendered != PAGES: problems.append(f'_quarto.yml renders {rendered}, expected {PAGES}')
    mj = mathjax()
    rows = []
    for name in PAGES:
        p = proc/f'{name}.ipynb'
        if not p.exists():
            problems.append(f'{name}: page missing from the processed site'); continue
        to_html(p, out/f'{name}.html', mj)
        seen = look(out/f'{name}.html', out/f'{name}.png')
        row = check_page(name, read_nb(p), read_nb(cfg.nbs_path/f'{name}.ipynb'), seen)
        rows.append((name, row['cells'], row['figures'], row['formulas'], seen['height'], seen['page']))
    print(f"{'page':15} {'visible code cells':>18} {'figures':>8} {'typeset formulas':>17} {'screenshot height':>18} {'page height':>12}")
    for r in rows: print(f"{r[0]:15} {r[1]:>18} {r[2]:>8} {r[3]:>17} {r[4]:>18} {r[5]:>12}")
    print(f'site: {len(rows)} pages rendered to {out}, with screenshots')
    if problems: sys.exit('site check failed:\n  ' + '\n  '.join(problems))
    print('site check passed')
