"""How well a checkpoint chats: 20 questions that are not in the corpus, and the answers of the held-out passages.

Each question is asked with the chapter 6 defaults. Printed:
- real words: the share of the replies' words that occur in the corpus (lower-cased, letters and apostrophes);
- mean reply length, in words;
- clean endings: how many replies end a sentence (their last character is `.`, `?` or `!`), for the 20 questions
  asked one by one (a fresh `Chat` each, seed i) and asked in turn in one conversation (seed 0; each prompt holds
  the newest earlier turns that fit), and how many of them stopped where the model ended its answer rather than
  at the token limit (a reply cut at the limit keeps its full sentences);
- the answer-token validation loss: the model's loss on the answers of the held-out passages (the last tenth of
  the corpus's Q/A passages, as `prepare_chat` splits them), in nats per token and in bits per character, so
  that character- and token-level models compare;
- the question's help: does a reply depend on the question? Each held-out answer is scored twice, as a
  one-turn passage after its own question and after the question of the turn half the list away (from
  another passage); the help is the second loss minus the first, in nats per answer token, on the same answer
  tokens (those that fit in the context after either question). A model that uses the question scores a positive
  number; one that ignores it, 0.

    python benchmarks/chat_eval.py --ckpt checkpoints/quickstart/best.pt
    python benchmarks/chat_eval.py --ckpt checkpoints/ch04/best.pt --replies   # and print every reply
"""
import math, re, sys, tempfile
from pathlib import Path
import torch
from fastcore.script import call_parse
from picogpt.checkpoint import load_checked_model
from picogpt.data import load_split
from picogpt.train import estimate_loss
from picogpt.chat import Chat, chat_passages, encode_chat, prepare_chat

QUESTIONS = ["What makes a friendship last?", "Why do we keep promises we regret?", "Is it wise to forgive a stranger?",
             "What should I do when I feel envy?", "How do I know if I am being honest with myself?",
             "Can a quiet life be a brave one?", "What is the point of a hobby?", "Why do small kindnesses matter?",
             "How should I treat someone I disagree with?", "What does it mean to grow old well?", "Is ambition good or bad?",
             "How can I be patient with my family?", "Why do people fear silence?", "What is a good reason to change my mind?",
             "Should I always tell the truth to a friend?", "How do habits shape who we become?",
             "What do we owe to future generations?", "Why is gratitude hard?", "What makes a job worth doing?",
             "How can I live with uncertainty?"]

def words(text:str) -> list[str]: return re.findall(r"[a-z']+", text.lower())

def ends_sentence(reply:str) -> bool: return reply.rstrip()[-1:] in ('.', '?', '!')

def answer_loss(model, tokenizer, corpus:Path, batches:int=20) -> tuple[float, float]:
    "The model's loss on the answer tokens of the held-out passages: nats per token, and bits per character"
    with tempfile.TemporaryDirectory() as d:
        prepare_chat(corpus, d, tokenizer=tokenizer)
        val = load_split(d, 'val')
        T = min(model.config.block_size, len(val) - 1)
        nats = estimate_loss(model, {'val': val}, T, 8, batches, next(model.parameters()).device)['val']
        answers = val[val[:, 1] == 1, 0].tolist()
        chars_per_token = len(tokenizer.decode(answers)) / len(answers)
    return nats, nats / math.log(2) / chars_per_token

def held_out_turns(corpus:Path, val_fraction:float=0.1) -> list[tuple[str, str]]:
    "The (question, answer) turns of the held-out passages, the last `val_fraction` of them as `prepare_chat` splits them"
    passages = list(chat_passages(corpus))
    n_val = max(1, round(len(passages) * val_fraction))
    return [turn for turns in passages[len(passages) - n_val:] for turn in turns]

@torch.no_grad()
def answer_nats(model, q_ids:list[int], a_ids:list[int]) -> float:
    "Summed loss in nats of the answer tokens `a_ids` after the question tokens `q_ids`"
    tokens = q_ids + a_ids
    device = next(model.parameters()).device
    x = torch.tensor([tokens[:-1]], device=device)
    y = torch.tensor([[-1] * (len(q_ids) - 1) + a_ids], device=device)  # the loss counts the answer's tokens only
    return model(x, y)[1].item() * len(a_ids)

def question_help(model, tokenizer, corpus:Path) -> tuple[float, int, int]:
    "Loss of held-out answers after another turn's question minus after their own, nats per token; and the tokens and answers scored"
    turns = held_out_turns(corpus)
    split = [encode_chat(tokenizer, [turn]) for turn in turns]  # one-turn passages: the question's tokens, then the answer's
    split = [(ids[:flags.index(1)], ids[flags.index(1):]) for ids, flags in split]
    own = other = 0.0
    count = scored = 0
    for i, (q, a) in enumerate(split):
        q_other = split[(i + len(split) // 2) % len(split)][0]  # half the list away: another passage's question
        keep = min(len(a), model.config.block_size + 1 - max(len(q), len(q_other)))  # the same answer tokens fit after both
        if keep < 1: continue
        own += answer_nats(model, q, a[:keep])
        other += answer_nats(model, q_other, a[:keep])
        count, scored = count + keep, scored + 1
    if not count: raise ValueError(f"no held-out answer fits in block_size={model.config.block_size} after its question")
    return (other - own) / count, count, scored

@call_parse
def main(
    ckpt:str='checkpoints/quickstart/best.pt',  # checkpoint to evaluate
    corpus:str='data/philosophy.txt',  # the corpus the model was trained on (its vocabulary and held-out passages)
    replies:bool=False,                # print every question and reply
    device:str='cpu',                  # auto, cpu, cuda or mps
    threads:int=None,                  # CPU threads for PyTorch (default: its own choice)
):
    "Real words, reply length, clean endings, answer-token loss and the question's help of a chat checkpoint"
    if threads: torch.set_num_threads(threads)
    text = Path(corpus).read_text(encoding='utf-8')
    if (seen := [q for q in QUESTIONS if q in text]): sys.exit(f"error: these questions are in {corpus}: {seen}")
    model, tokenizer = load_checked_model(ckpt, device)
    alone = [Chat(model, tokenizer, seed=i) for i in range(len(QUESTIONS))]  # a fresh chat per question
    said = [''.join(chat.ask(q)) for chat, q in zip(alone, QUESTIONS)]
    stopped_alone = sum(chat.ended == 'stop' for chat in alone)
    talk, talked, stopped_talk = Chat(model, tokenizer, seed=0), [], 0  # one conversation, the questions in turn
    for q in QUESTIONS:
        talked.append(''.join(talk.ask(q)))
        stopped_talk += talk.ended == 'stop'
    if replies:
        for q, a, b in zip(QUESTIONS, said, talked): print(f"Q: {q}\nA (asked alone): {a}\nA (in the conversation): {b}\n")
    ws, vocab = [w for r in said for w in words(r)], set(words(text))
    nats, bpc = answer_loss(model, tokenizer, Path(corpus))
    print(f"{ckpt}: {tokenizer.kind} tokenizer, {model.num_params():,} parameters, block_size {model.config.block_size}")
    print(f"real words         {sum(w in vocab for w in ws) / max(1, len(ws)):.1%} of {len(ws)} reply words")
    print(f"mean reply length  {len(ws) / len(QUESTIONS):.1f} words")
    n = len(QUESTIONS)
    print(f"clean endings      {sum(map(ends_sentence, said))} of {n} asked alone, {sum(map(ends_sentence, talked))} of {n} in one "
          f"conversation (stopped at the end of an answer: {stopped_alone} and {stopped_talk})")
    print(f"answer-token loss  {nats:.3f} nats per token, {bpc:.3f} bits per character (held-out passages)")
    helped, tokens, answers = question_help(model, tokenizer, Path(corpus))
    print(f"question's help    {helped:.3f} nats per token: the loss of {answers} held-out answers ({tokens} tokens) "
          f"after another question, minus after their own")
