#!/usr/bin/env python3
"""Make the real training runs kept under testdata/runs/.

NOTE: this script needs a machine with an NVIDIA GPU, PyTorch, Hugging Face
Transformers 5.x, PEFT, PyTorch Lightning 2.x and TensorBoard. It is NOT run
by the Go tests: they only read the folders it produced, which are committed.
It downloads nothing: the models are tiny, randomly initialised from a config,
and the data is a synthetic task generated here.

The task ("copy through a permutation"): a sequence is
    <bos> p_1 .. p_12 <sep> a_1 .. a_12 <eos>
with p_i uniform over 32 symbols and a_i = perm(p_i) for a fixed permutation,
except that a share `noise` of the a_i are replaced by random symbols, fixed
per example (so they can be memorised but not generalised). Only a_1..a_12
and <eos> carry labels (completion-only loss). Vocabulary: 64 ids.

Usage (driver):  python3 make_runs.py --out /tmp/plateau-runs --tar OUT.tar.gz [JOB ...]
Usage (worker):  python3 make_runs.py --worker JOB --session N
The driver runs every job in its own subprocess (several at a time on the one
GPU), with stdout and stderr of the worker going to the run's console.log,
each with its own timeout; a failed job does not stop the others. At the end
it deletes model weights and optimizer state, keeping trainer_state.json,
config.json, generation_config.json and adapter_config.json of each
checkpoint, and writes a tar.gz of everything.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

V = 64          # vocabulary size
PAD, BOS, SEP, EOS = 0, 1, 2, 3
SYM0, NSYM = 4, 32
L = 12          # prompt and answer length

# ---------------------------------------------------------------------------
# Job table. Paths are relative to the output root.

LLAMA_S = dict(arch="llama", d=128, layers=2, heads=4, ffn=512)
LLAMA_3 = dict(arch="llama", d=128, layers=3, heads=4, ffn=512)
GPT2_M = dict(arch="gpt2", d=256, layers=4, heads=4)

SWEEP_DATA = dict(n_train=2000, train_seed=1, noise=0.1, n_eval=256, eval_seed=2)
SWEEP_ARGS = dict(
    per_device_train_batch_size=8, gradient_accumulation_steps=1, num_train_epochs=2,
    learning_rate=5e-4, lr_scheduler_type="linear", warmup_steps=20,
    logging_steps=5, eval_strategy="steps", eval_steps=100, per_device_eval_batch_size=64,
    save_strategy="steps", save_steps=125, log_level="info",
)


def merged(base, **over):
    d = dict(base)
    d.update(over)
    return d


JOBS = {
    "sweep-a": dict(
        dir="sweep/output/run-a", kind="hf", model=LLAMA_S, data=SWEEP_DATA,
        args=SWEEP_ARGS, sessions=[{}], cost=30),
    "sweep-b": dict(
        dir="sweep/output/run-b", kind="hf", model=LLAMA_S, data=SWEEP_DATA,
        args=merged(SWEEP_ARGS, per_device_train_batch_size=4, gradient_accumulation_steps=4,
                    warmup_steps=10, eval_steps=50, save_steps=100),
        sessions=[{}], cost=40),
    "sweep-c": dict(
        # LoRA of run-a; stdout left block-buffered (no PYTHONUNBUFFERED), as
        # with `python train.py > log 2>&1`, so dicts and bars interleave late.
        dir="sweep/output/run-c", kind="hf", model=LLAMA_S, data=SWEEP_DATA,
        lora=dict(r=16, alpha=32), args=merged(SWEEP_ARGS, learning_rate=2e-3),
        sessions=[{}], buffered=True, cost=30),
    "sweep-d": dict(
        dir="sweep/output/run-d", kind="hf", model=LLAMA_S, data=SWEEP_DATA,
        args=merged(SWEEP_ARGS, learning_rate=3e-2, lr_scheduler_type="constant", warmup_steps=0,
                    max_grad_norm=1e9, log_level="passive"),
        sessions=[{}], cost=30),
    "sweep-e": dict(
        # warmup into a far too high peak (0.1), no clipping: learns while the
        # lr is small, then degrades as the lr keeps rising.
        dir="sweep/output/run-e", kind="hf", model=LLAMA_S, data=SWEEP_DATA,
        args=merged(SWEEP_ARGS, learning_rate=1e-1, lr_scheduler_type="constant_with_warmup",
                    warmup_steps=250, max_grad_norm=1e9, log_level="passive"),
        sessions=[{}], cost=30),
    "overfit_eval": dict(
        dir="overfit_eval", kind="hf", model=GPT2_M,
        data=dict(n_train=96, train_seed=11, noise=0.3, n_eval=256, eval_seed=12),
        args=dict(per_device_train_batch_size=8, num_train_epochs=30, learning_rate=1e-3,
                  lr_scheduler_type="cosine", warmup_steps=10, logging_steps=5,
                  eval_strategy="steps", eval_steps=20, per_device_eval_batch_size=64,
                  save_strategy="steps", save_steps=90, metric_for_best_model="eval_loss",
                  greater_is_better=False),
        sessions=[{}], cost=30),
    "cut_full": dict(
        dir="cut_pair/full", kind="hf", model=LLAMA_3,
        data=dict(n_train=2400, train_seed=21, noise=0.1),
        args=dict(per_device_train_batch_size=8, max_steps=600, learning_rate=1e-3,
                  lr_scheduler_type="cosine", warmup_steps=30, logging_steps=5,
                  save_strategy="steps", save_steps=150,
                  include_num_input_tokens_seen=True),
        optional=["include_num_input_tokens_seen"],
        sessions=[{}], cost=40),
    "cut_55": dict(
        dir="cut_pair/cut55", kind="hf", model=LLAMA_3,
        data=dict(n_train=2400, train_seed=21, noise=0.1),
        args=dict(per_device_train_batch_size=8, max_steps=600, learning_rate=1e-3,
                  lr_scheduler_type="cosine", warmup_steps=30, logging_steps=5,
                  save_strategy="steps", save_steps=150,
                  include_num_input_tokens_seen=True),
        optional=["include_num_input_tokens_seen"],
        sessions=[{"interrupt_at": 330}], cost=25),
    "cut_imp_full": dict(
        # a steadily falling curve (memorising noisy answers, cosine lr): the
        # cut at 55% is still clearly improving.
        dir="cut_pair_improving/full", kind="hf", model=GPT2_M,
        data=dict(n_train=192, train_seed=71, noise=0.3),
        args=dict(per_device_train_batch_size=8, max_steps=480, learning_rate=1e-3,
                  lr_scheduler_type="cosine", warmup_steps=10, logging_steps=5,
                  save_strategy="steps", save_steps=120),
        sessions=[{}], cost=30),
    "cut_imp_55": dict(
        dir="cut_pair_improving/cut55", kind="hf", model=GPT2_M,
        data=dict(n_train=192, train_seed=71, noise=0.3),
        args=dict(per_device_train_batch_size=8, max_steps=480, learning_rate=1e-3,
                  lr_scheduler_type="cosine", warmup_steps=10, logging_steps=5,
                  save_strategy="steps", save_steps=120),
        sessions=[{"interrupt_at": 264}], cost=20),
    "resumed": dict(
        dir="resumed", kind="hf", model=LLAMA_S,
        data=dict(n_train=1600, train_seed=31, noise=0.1),
        args=dict(per_device_train_batch_size=8, num_train_epochs=2, learning_rate=5e-4,
                  lr_scheduler_type="linear", warmup_steps=20, logging_steps=5,
                  save_strategy="steps", save_steps=100, log_level="info"),
        sessions=[{"interrupt_at": 260}, {"resume": True}], cost=40),
    "stalled": dict(
        # every label is -100 (e.g. completion-only masking whose answer was
        # truncated away): no token carries a learning signal.
        dir="stalled", kind="hf", model=LLAMA_S,
        data=dict(n_train=1600, train_seed=41, noise=0.1, mask_all=True),
        args=dict(per_device_train_batch_size=8, max_steps=200, learning_rate=5e-4,
                  lr_scheduler_type="linear", warmup_steps=10, logging_steps=5,
                  save_strategy="steps", save_steps=100),
        sessions=[{}], cost=15),
    "stalled_frozen": dict(
        # every parameter frozen except the final RMSNorm scale (128 numbers):
        # a "freeze the backbone" mistake that leaves nothing useful to train.
        dir="stalled_frozen", kind="hf", model=LLAMA_S, freeze_all_but="model.norm.weight",
        data=dict(n_train=1600, train_seed=41, noise=0.1),
        args=dict(per_device_train_batch_size=8, max_steps=200, learning_rate=5e-4,
                  lr_scheduler_type="linear", warmup_steps=10, logging_steps=5,
                  save_strategy="steps", save_steps=100),
        sessions=[{}], cost=15),
    "multi_epoch_perstep": dict(
        dir="multi_epoch_perstep", kind="hf", model=GPT2_M,
        data=dict(n_train=256, train_seed=51, noise=0.5),
        args=dict(per_device_train_batch_size=8, num_train_epochs=6, learning_rate=1e-3,
                  lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
                  save_strategy="steps", save_steps=64),
        sessions=[{}], cost=20),
    "multi_epoch_memorise": dict(
        # as multi_epoch_perstep but smaller data, more epochs: the answers'
        # random half can only be memorised, one visit per epoch.
        dir="multi_epoch_memorise", kind="hf", model=GPT2_M,
        data=dict(n_train=128, train_seed=52, noise=0.5),
        args=dict(per_device_train_batch_size=8, num_train_epochs=15, learning_rate=1e-3,
                  lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
                  save_strategy="steps", save_steps=80),
        sessions=[{}], cost=20),
    "lightning_csv": dict(
        dir="lightning_csv", kind="lightning", model=LLAMA_S,
        data=dict(n_train=600, train_seed=61, noise=0.2, n_eval=256, eval_seed=62),
        sessions=[{}], cost=35),
}

KEEP_IN_CHECKPOINT = {"trainer_state.json", "config.json", "generation_config.json",
                      "adapter_config.json"}
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")


# ---------------------------------------------------------------------------
# Data (needs torch; only imported in workers).

def make_data(n, seed, noise, mask_all=False):
    import torch
    perm = torch.randperm(NSYM, generator=torch.Generator().manual_seed(1234))
    g = torch.Generator().manual_seed(seed)
    prompt = torch.randint(0, NSYM, (n, L), generator=g)
    ans = perm[prompt]
    flip = torch.rand((n, L), generator=g) < noise
    rnd = torch.randint(0, NSYM, (n, L), generator=g)
    ans = torch.where(flip, rnd, ans)
    col = lambda v: torch.full((n, 1), v, dtype=torch.long)
    ids = torch.cat([col(BOS), prompt + SYM0, col(SEP), ans + SYM0, col(EOS)], dim=1)
    labels = ids.clone()
    labels[:, : L + 2] = -100
    if mask_all:
        labels[:] = -100
    return ids, labels


def make_dataset(n, seed, noise, mask_all=False):
    import torch

    ids, labels = make_data(n, seed, noise, mask_all)

    class SynthLM(torch.utils.data.Dataset):
        def __len__(self):
            return ids.shape[0]

        def __getitem__(self, i):
            return {"input_ids": ids[i], "attention_mask": torch.ones_like(ids[i]),
                    "labels": labels[i]}

    return SynthLM()


def build_model(m):
    if m["arch"] == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM
        cfg = LlamaConfig(vocab_size=V, hidden_size=m["d"], intermediate_size=m["ffn"],
                          num_hidden_layers=m["layers"], num_attention_heads=m["heads"],
                          num_key_value_heads=m["heads"], max_position_embeddings=64,
                          pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                          tie_word_embeddings=False)
        return LlamaForCausalLM(cfg)
    from transformers import GPT2Config, GPT2LMHeadModel
    cfg = GPT2Config(vocab_size=V, n_positions=32, n_embd=m["d"], n_layer=m["layers"],
                     n_head=m["heads"], pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS)
    return GPT2LMHeadModel(cfg)


# ---------------------------------------------------------------------------
# Workers.

def hf_worker(name, session):
    import dataclasses
    import torch
    import transformers
    from transformers import Trainer, TrainerCallback, TrainingArguments, set_seed

    job = JOBS[name]
    sess = job["sessions"][session]
    print(f"[make_runs] transformers {transformers.__version__} torch {torch.__version__} "
          f"job {name} session {session + 1}/{len(job['sessions'])}", flush=True)
    set_seed(42)
    model = build_model(job["model"])
    if "lora" in job:
        import peft
        from peft import LoraConfig, get_peft_model
        print(f"[make_runs] peft {peft.__version__}", flush=True)
        lc = LoraConfig(r=job["lora"]["r"], lora_alpha=job["lora"]["alpha"],
                        target_modules="all-linear", lora_dropout=0.0, task_type="CAUSAL_LM")
        model = get_peft_model(model, lc)
        model.print_trainable_parameters()
    if "freeze_all_but" in job:
        keep = job["freeze_all_but"]
        for n, p in model.named_parameters():
            p.requires_grad = n == keep
        ntrain = sum(p.numel() for p in model.parameters() if p.requires_grad)
        print(f"[make_runs] trainable parameters: {ntrain}", flush=True)

    d = job["data"]
    train = make_dataset(d["n_train"], d["train_seed"], d["noise"], d.get("mask_all", False))
    evald = None
    if "n_eval" in d:
        evald = make_dataset(d["n_eval"], d["eval_seed"], d["noise"], d.get("mask_all", False))

    fields = {f.name for f in dataclasses.fields(TrainingArguments)}
    kw = dict(job["args"])
    # The worker runs inside the run folder; output_dir is its absolute path,
    # as a user's script would pass it. logging_dir is gone in Transformers 5
    # (TENSORBOARD_LOGGING_DIR, set by the driver, replaces it); kept for 4.x.
    kw.update(output_dir=os.getcwd(), report_to=["tensorboard"], disable_tqdm=False, seed=42,
              logging_dir=os.path.join(os.getcwd(), "runs"))
    for k in sorted(set(kw) - fields):
        print(f"[make_runs] TrainingArguments has no {k}; dropped", flush=True)
        kw.pop(k)
    try:
        args = TrainingArguments(**kw)
    except (TypeError, ValueError) as e:
        opt = [k for k in job.get("optional", []) + ["logging_dir"] if k in kw]
        if not opt:
            raise
        print(f"[make_runs] TrainingArguments refused ({e}); retrying without {opt}", flush=True)
        for k in opt:
            kw.pop(k)
        args = TrainingArguments(**kw)

    callbacks = []
    if "interrupt_at" in sess:
        at = sess["interrupt_at"]

        class InterruptAt(TrainerCallback):
            """Sends this process SIGINT (Ctrl-C) after optimizer step `at`."""

            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step == at:
                    os.kill(os.getpid(), signal.SIGINT)

        callbacks.append(InterruptAt())

    # The driver's shell may start us with SIGINT ignored (background job):
    # restore Python's handler so the interrupt below is a real Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=evald,
                      callbacks=callbacks)
    trainer.train(resume_from_checkpoint=True if sess.get("resume") else None)
    trainer.save_state()


def lightning_worker(name, session):
    import torch
    import lightning as Lt
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
    from torch.utils.data import DataLoader

    job = JOBS[name]
    d = job["data"]
    print(f"[make_runs] lightning {Lt.__version__} torch {torch.__version__} job {name}", flush=True)
    Lt.seed_everything(42)

    max_epochs, bs, lr, warmup = 8, 16, 1e-3, 20
    steps_per_epoch = -(-d["n_train"] // bs)
    total = max_epochs * steps_per_epoch

    class LitLM(Lt.LightningModule):
        def __init__(self, d_model=128, layers=2, lr=lr, warmup=warmup, total_steps=total):
            super().__init__()
            self.save_hyperparameters()
            self.model = build_model(dict(job["model"], d=d_model, layers=layers))

        def training_step(self, batch, i):
            loss = self.model(**batch).loss
            self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
            return loss

        def validation_step(self, batch, i):
            loss = self.model(**batch).loss
            self.log("val_loss", loss, on_epoch=True, prog_bar=True)

        def configure_optimizers(self):
            opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=0.0)
            w, t = self.hparams.warmup, self.hparams.total_steps

            def f(s):
                return (s + 1) / w if s < w else max(0.0, (t - s) / max(1, t - w))

            sched = torch.optim.lr_scheduler.LambdaLR(opt, f)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    train = DataLoader(make_dataset(d["n_train"], d["train_seed"], d["noise"]),
                       batch_size=bs, shuffle=True)
    val = DataLoader(make_dataset(d["n_eval"], d["eval_seed"], d["noise"]), batch_size=64)
    loggers = [CSVLogger(save_dir=".", name="lightning_logs"),
               TensorBoardLogger(save_dir=".", name="tb_logs")]
    trainer = Lt.Trainer(max_epochs=max_epochs, accelerator="gpu", devices=1, logger=loggers,
                         log_every_n_steps=5, val_check_interval=0.5,
                         callbacks=[LearningRateMonitor(logging_interval="step")],
                         default_root_dir=".")
    trainer.fit(LitLM(), train, val)


# ---------------------------------------------------------------------------
# Driver.

def log(msg):
    print(f"[driver {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def start_session(root, name, session):
    job = JOBS[name]
    run_dir = os.path.join(root, job["dir"])
    os.makedirs(run_dir, exist_ok=True)
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               OMP_NUM_THREADS="2", TOKENIZERS_PARALLELISM="false",
               TENSORBOARD_LOGGING_DIR=os.path.join(run_dir, "runs"))
    if job.get("buffered"):
        env.pop("PYTHONUNBUFFERED", None)
    else:
        env["PYTHONUNBUFFERED"] = "1"
    console = open(os.path.join(run_dir, "console.log"), "ab")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--session", str(session)]
    p = subprocess.Popen(cmd, cwd=run_dir, env=env, stdout=console, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    console.close()
    log(f"start {name} session {session + 1} pid {p.pid} in {job['dir']}")
    return p


def console_has(name, root, text):
    with open(os.path.join(root, JOBS[name]["dir"], "console.log"), "rb") as f:
        return text.encode() in f.read()[-20000:]


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def clean(root):
    removed = 0
    for dirpath, dirnames, filenames in os.walk(root):
        in_ckpt = os.path.basename(dirpath).startswith("checkpoint-")
        for f in filenames:
            path = os.path.join(dirpath, f)
            if (in_ckpt and f not in KEEP_IN_CHECKPOINT) or f.endswith(WEIGHT_SUFFIXES):
                removed += os.path.getsize(path)
                os.remove(path)
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        if dirpath != root and not os.listdir(dirpath):
            os.rmdir(dirpath)
            log(f"removed empty folder {os.path.relpath(dirpath, root)}")
    log(f"removed {removed / 1e6:.1f} MB of weights and optimizer state")


def versions():
    from importlib import metadata
    out = {}
    for pkg in ("torch", "transformers", "peft", "accelerate", "lightning", "pytorch-lightning",
                "tensorboard", "tqdm", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def driver(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/plateau-runs")
    ap.add_argument("--tar", required=True)
    ap.add_argument("--parallel", type=int, default=5)
    ap.add_argument("--session-timeout", type=float, default=240)
    ap.add_argument("--start-deadline", type=float, default=280, help="start no session after this")
    ap.add_argument("--kill-deadline", type=float, default=330, help="kill what still runs")
    ap.add_argument("jobs", nargs="*")
    a = ap.parse_args(argv)
    t0 = time.time()
    names = a.jobs or sorted(JOBS, key=lambda n: -JOBS[n]["cost"])
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        sys.exit(f"unknown jobs {unknown}; known: {sorted(JOBS)}")
    os.makedirs(a.out, exist_ok=True)
    log(f"versions {json.dumps(versions())}")
    queue = [(n, 0) for n in names]
    running = {}  # name -> (Popen, session, started)
    status = {n: [] for n in names}
    while queue or running:
        now = time.time() - t0
        while queue and len(running) < a.parallel and now < a.start_deadline:
            n, s = queue.pop(0)
            running[n] = (start_session(a.out, n, s), s, time.time())
        if not running and queue:
            for n, s in queue:
                status[n].append(dict(session=s + 1, result="not started (deadline)"))
                log(f"{n} session {s + 1} not started: deadline")
            queue = []
            break
        time.sleep(0.5)
        now = time.time() - t0
        for n, (p, s, started) in list(running.items()):
            rc = p.poll()
            took = time.time() - started
            if rc is None and (took > a.session_timeout or now > a.kill_deadline):
                kill_group(p)
                rc = "killed"
            if rc is None:
                continue
            del running[n]
            sess = JOBS[n]["sessions"][s]
            expected = "interrupted" if "interrupt_at" in sess else "ok"
            got = "ok" if rc == 0 else f"failed rc={rc}"
            if expected == "interrupted" and rc != 0 and rc != "killed" and console_has(n, a.out, "KeyboardInterrupt"):
                got = "interrupted"
            status[n].append(dict(session=s + 1, rc=rc, seconds=round(took, 1), result=got, expected=expected))
            log(f"end {n} session {s + 1}: rc={rc} {got} (expected {expected}) in {took:.1f}s")
            if got == expected and s + 1 < len(JOBS[n]["sessions"]):
                queue.insert(0, (n, s + 1))
    clean(a.out)
    total = 0
    for dirpath, _, filenames in sorted(os.walk(a.out)):
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            sz = os.path.getsize(path)
            total += sz
            print(f"  {sz:9d}  {os.path.relpath(path, a.out)}")
    log(f"total {total / 1e6:.2f} MB")
    with open(os.path.join(a.out, "make_runs_status.json"), "w") as f:
        json.dump(dict(versions=versions(), status=status, seconds=round(time.time() - t0, 1)), f, indent=2)
    subprocess.run(["tar", "czf", a.tar, "-C", a.out, "."], check=False)
    log(f"wrote {a.tar}; all done in {time.time() - t0:.1f}s")
    print(json.dumps(status, indent=1))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        ap = argparse.ArgumentParser()
        ap.add_argument("--worker", required=True)
        ap.add_argument("--session", type=int, default=0)
        a = ap.parse_args()
        kind = JOBS[a.worker]["kind"]
        (hf_worker if kind == "hf" else lightning_worker)(a.worker, a.session)
    else:
        driver(sys.argv[1:])


if __name__ == "__main__":
    main()
