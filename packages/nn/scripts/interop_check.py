#!/usr/bin/env python3
"""
Interoperability check with Python sentence-transformers (not part of the tests, which never need
Python). With sentence-transformers, transformers and torch installed:

    python packages/nn/scripts/interop_check.py <tessera-saved-folder> <embeddings.json>

where embeddings.json is {"texts": [...], "emb": [[...]]} written by Tessera's encode() for that
folder. Loads the folder with SentenceTransformer(folder), encodes the texts and prints the largest
absolute difference; then checks the fixture BERT in test/fixtures/bert-tiny against transformers'
own BertModel / BertLMHeadModel (eager attention).
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file
from sentence_transformers import SentenceTransformer
from transformers import BertConfig, BertLMHeadModel, BertModel


def main():
    folder, emb_file = sys.argv[1], sys.argv[2]
    data = json.load(open(emb_file))
    model = SentenceTransformer(folder, device="cpu")
    diff = np.abs(model.encode(data["texts"]) - np.array(data["emb"])).max()
    print(f"sentence-transformers loads {folder}: max |python - tessera| = {diff:.3g}")

    fixture = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "bert-tiny")
    cfg = json.load(open(os.path.join(fixture, "config.json")))
    exp = json.load(open(os.path.join(fixture, "expected.json")))
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)
    bert = BertModel(BertConfig(**cfg, attn_implementation="eager")).double().eval()
    bert.load_state_dict({k: v.double() for k, v in load_file(os.path.join(fixture, "model.safetensors")).items()}, strict=False)
    with torch.no_grad():
        out = bert(input_ids=torch.tensor(exp["input_ids"]), attention_mask=torch.tensor(exp["attention_mask"]), token_type_ids=torch.tensor(exp["token_type_ids"]))
    print("fixture encoder vs transformers:", (out.last_hidden_state - f64(exp["last_hidden_state"])).abs().max().item())
    dec = BertLMHeadModel(BertConfig(**{**cfg, "is_decoder": True, "add_cross_attention": True}, attn_implementation="eager")).double().eval()
    dec.load_state_dict({k: v.double() for k, v in load_file(os.path.join(fixture, "decoder.safetensors")).items()}, strict=False)
    ids = torch.tensor(exp["decoder_input_ids"])
    with torch.no_grad():
        logits = dec(input_ids=ids, attention_mask=(ids != 0).long(), encoder_hidden_states=f64(exp["mean_pooled"][:2])[:, None, :], encoder_attention_mask=torch.ones(2, 1, dtype=torch.long)).logits
    print("fixture decoder vs transformers:", (logits - f64(exp["decoder_logits"])).abs().max().item())


if __name__ == "__main__":
    main()
