"""How well a checkpoint chats, and whether it listens: 30 questions written for this benchmark, kept apart from the
corpus, each with the subject it asks about and a short answer in the corpus's style.

Each question is asked with the chapter 6 defaults, one by one (a fresh `Chat` each, seed i) and in turn in one
conversation (seed 0; each prompt holds the newest earlier turns that fit). Printed:
- real words: the share of the replies' words that occur in the corpus (lower-cased, letters and apostrophes);
- mean reply length, in words;
- clean endings: how many replies end a sentence (their last character is `.`, `?` or `!`), and how many of
  them stopped where the model ended its answer rather than at the token limit (a reply cut at the limit keeps
  its full sentences);
- names the subject: how many replies hold a word that starts with the subject asked about ("patien" counts
  "patience" and "patient"), asked alone and in the conversation; and, as the level of chance, how many hold the
  subject of the question half the list away;
- the question's help: does a reply depend on the question? Each written answer is scored twice, as a one-turn
  passage after its own question and after the question half the list away; the help is the second loss minus
  the first, in nats per answer token, on the same answer tokens (those that fit in the context after either
  question). A model that uses the question scores a positive number; one that ignores it, 0. The same measure
  on the corpus's held-out passages (the last tenth, as `prepare_chat` splits them) follows, for comparison;
- the answer-token validation loss: the model's loss on the answers of those held-out passages, in nats per
  token and in bits per character, so that character- and token-level models compare.

    python benchmarks/chat_eval.py --ckpt checkpoints/quickstart/latest.pt
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

# (subject, question, answer), written for this benchmark; none of them is in the corpus
UNSEEN = [
 ("friendship", "What makes a friendship last?", "A friendship lasts when both friends keep showing up. Small kindness, honest talk and forgiveness keep it alive for years."),
 ("promise", "Why do we keep promises we regret?", "We keep a promise we regret because others relied on it. A promise kept at some cost shows that our word can be trusted."),
 ("forgive", "Is it wise to forgive a stranger?", "It is often wise to forgive a stranger. You will likely never see them again, and to forgive lets you put the weight down."),
 ("envy", "What should I do when I feel envy?", "When you feel envy, notice what it points at. Envy often shows what you want, and that can become a goal instead of a grudge."),
 ("honest", "How do I know if I am being honest with myself?", "You are honest with yourself when you can look at a fact you dislike without looking away. Ask what a fair friend would say."),
 ("quiet", "Can a quiet life be a brave one?", "Yes, a quiet life can be brave. Courage is not noise; it is doing what is right when no one is watching."),
 ("kindness", "Why do small kindnesses matter?", "Small kindnesses matter because most of life is small. A kind word on a hard day can change how a person sees the world."),
 ("disagree", "How should I treat someone I disagree with?", "Treat someone you disagree with as a person first. Listen to their reasons, say yours plainly, and stay polite."),
 ("old", "What does it mean to grow old well?", "To grow old well is to keep learning and caring. Old age goes better with friends, some purpose and a sense of humour."),
 ("patien", "How can I be patient with my family?", "Patience with family starts with remembering that they are tired and imperfect too. Take a breath before you answer."),
 ("silence", "Why do people fear silence?", "People fear silence because it leaves them alone with their thoughts. In silence, worries get louder before they get quieter."),
 ("mind", "What is a good reason to change my mind?", "A good reason to change your mind is better evidence. A mind that can change is a mind that can learn."),
 ("truth", "Should I always tell the truth to a friend?", "Tell a friend the truth, but choose the time and the words with care. The truth told kindly helps more than it hurts."),
 ("habit", "How do habits shape who we become?", "Habits shape us because we become what we do every day. A good habit makes the right choice easy to repeat."),
 ("future", "What do we owe to future generations?", "We owe future generations a world that is still worth living in. What we save and what we teach is their inheritance."),
 ("gratitude", "Why is gratitude hard?", "Gratitude is hard because we get used to good things. We notice what is missing faster than what is given."),
 ("work", "What makes work worth doing?", "Work is worth doing when it helps someone or makes something good. Work done with care also shapes the worker."),
 ("courage", "Where does courage come from?", "Courage comes from caring about something more than your fear. It grows with practice, one hard step at a time."),
 ("doubt", "Is doubt a weakness?", "Doubt is not a weakness. Doubt keeps us honest and makes us check before we act."),
 ("loneliness", "How can I cope with loneliness?", "Loneliness eases when you reach out, even a little. Call someone, join a group, and be patient while new ties grow."),
 ("curiosity", "Why is curiosity worth keeping?", "Curiosity keeps the mind awake. A curious person keeps learning long after school is over."),
 ("regret", "What should I do with regret?", "Use regret as a teacher. Learn what it shows, repair what you can, and then let the regret go."),
 ("trust", "How is trust rebuilt?", "Trust is rebuilt slowly, by keeping small promises again and again. Words start the repair, but deeds finish it."),
 ("anger", "Is anger ever useful?", "Anger can be useful when it shows that something is unfair. Anger needs a calm mind to turn into good action."),
 ("fear", "How can I face fear?", "Face fear by naming it and taking one small step toward it. Fear shrinks when we see it clearly."),
 ("generosity", "What is generosity, really?", "Generosity is giving freely, without keeping score. Generosity can be time and attention as well as money."),
 ("loyalty", "When does loyalty go too far?", "Loyalty goes too far when it asks you to do wrong. Loyalty to a friend should never mean betraying what is right."),
 ("money", "Does money make life better?", "Money can buy safety and time, which help. But money cannot buy love, meaning or a quiet conscience."),
 ("nature", "Why does time in nature calm us?", "Nature calms us because it moves at a slower pace. In nature, our worries look smaller beside trees and sky."),
 ("freedom", "What is freedom for?", "Freedom is for choosing a good life of your own. Freedom without care for others turns into mere selfishness."),
]
QUESTIONS = [q for _, q, _ in UNSEEN]

def words(text:str) -> list[str]: return re.findall(r"[a-z']+", text.lower())

def ends_sentence(reply:str) -> bool: return reply.rstrip()[-1:] in ('.', '?', '!')

def names_subject(reply:str, subject:str) -> bool: return re.search(r'\b' + subject, reply.lower()) is not None

def answer_loss(model, tokenizer, corpus:Path, batches:int=20) -> tuple[float, float]:
    "The model's loss on the answer tokens of the held-out passages: nats per token, and bits per character"
    with tempfile.TemporaryDirectory() as d:
        prepare_chat(corpus, d, tokenizer=tokenizer, reasks=0)  # the held-out passages are as written in any case
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

def question_help(model, tokenizer, turns:list[tuple[str, str]]) -> tuple[float, int, int]:
    "Loss of each answer after another turn's question minus after its own, nats per token; and the tokens and answers scored"
    split = [encode_chat(tokenizer, [turn]) for turn in turns]  # one-turn passages: the question's tokens, then the answer's
    split = [(ids[:flags.index(1)], ids[flags.index(1):]) for ids, flags in split]
    own = other = 0.0
    count = scored = 0
    for i, (q, a) in enumerate(split):
        q_other = split[(i + len(split) // 2) % len(split)][0]  # half the list away: another question
        keep = min(len(a), model.config.block_size + 1 - max(len(q), len(q_other)))  # the same answer tokens fit after both
        if keep < 1: continue
        own += answer_nats(model, q, a[:keep])
        other += answer_nats(model, q_other, a[:keep])
        count, scored = count + keep, scored + 1
    if not count: raise ValueError(f"no answer fits in block_size={model.config.block_size} after its question")
    return (other - own) / count, count, scored

def evaluate(model, tokenizer, corpus:Path) -> dict:
    "Every figure this benchmark prints, and the replies, for a chat model trained on `corpus`"
    text = corpus.read_text(encoding='utf-8')
    if (seen := [s for u in UNSEEN for s in u[1:] if s in text]): raise ValueError(f"these questions or answers are in {corpus}: {seen}")
    alone = [Chat(model, tokenizer, seed=i) for i in range(len(QUESTIONS))]  # a fresh chat per question
    said = [''.join(chat.ask(q)) for chat, q in zip(alone, QUESTIONS)]
    talk, talked, stopped_talk = Chat(model, tokenizer, seed=0), [], 0  # one conversation, the questions in turn
    for q in QUESTIONS:
        talked.append(''.join(talk.ask(q)))
        stopped_talk += talk.ended == 'stop'
    ws, vocab = [w for r in said for w in words(r)], set(words(text))
    subjects = [s for s, _, _ in UNSEEN]
    return dict(said=said, talked=talked, words=len(ws), real_words=sum(w in vocab for w in ws) / max(1, len(ws)),
                clean=(sum(map(ends_sentence, said)), sum(map(ends_sentence, talked))),
                stopped=(sum(chat.ended == 'stop' for chat in alone), stopped_talk),
                named=(sum(map(names_subject, said, subjects)), sum(map(names_subject, talked, subjects))),
                by_chance=tuple(sum(map(names_subject, r, subjects[len(r) // 2:] + subjects[:len(r) // 2])) for r in (said, talked)),
                unseen_help=question_help(model, tokenizer, [(q, a) for _, q, a in UNSEEN]),
                held_out_help=question_help(model, tokenizer, held_out_turns(corpus)),
                answer_loss=answer_loss(model, tokenizer, corpus))

@call_parse
def main(
    ckpt:str='checkpoints/quickstart/latest.pt',  # checkpoint to evaluate
    corpus:str='data/philosophy.txt',  # the corpus the model was trained on (its vocabulary and held-out passages)
    replies:bool=False,                # print every question and reply
    device:str='cpu',                  # auto, cpu, cuda or mps
    threads:int=None,                  # CPU threads for PyTorch (default: its own choice)
):
    "Real words, reply length, clean endings, the subject named, the question's help and the answer-token loss of a chat checkpoint"
    if threads: torch.set_num_threads(threads)
    model, tokenizer = load_checked_model(ckpt, device)
    try: r = evaluate(model, tokenizer, Path(corpus))
    except ValueError as e: sys.exit(f"error: {e}")
    n = len(QUESTIONS)
    if replies:
        for q, a, b in zip(QUESTIONS, r['said'], r['talked']): print(f"Q: {q}\nA (asked alone): {a}\nA (in the conversation): {b}\n")
    (unseen_help, unseen_tokens, _), (held_help, held_tokens, held_answers) = r['unseen_help'], r['held_out_help']
    print(f"{ckpt}: {tokenizer.kind} tokenizer, {model.num_params():,} parameters, block_size {model.config.block_size}")
    print(f"real words         {r['real_words']:.1%} of {r['words']} reply words")
    print(f"mean reply length  {r['words'] / n:.1f} words")
    print(f"clean endings      {r['clean'][0]} of {n} asked alone, {r['clean'][1]} of {n} in one conversation "
          f"(stopped at the end of an answer: {r['stopped'][0]} and {r['stopped'][1]})")
    print(f"names the subject  {r['named'][0]} of {n} asked alone, {r['named'][1]} of {n} in one conversation "
          f"(by chance, the subject of the question half the list away: {r['by_chance'][0]} and {r['by_chance'][1]})")
    print(f"question's help    {unseen_help:.3f} nats per token on the {n} unseen answers ({unseen_tokens} tokens); "
          f"{held_help:.3f} on {held_answers} held-out answers of the corpus ({held_tokens} tokens)")
    print(f"answer-token loss  {r['answer_loss'][0]:.3f} nats per token, {r['answer_loss'][1]:.3f} bits per character (held-out passages)")
