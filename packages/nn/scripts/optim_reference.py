#!/usr/bin/env python3
"""PyTorch reference values for @tessera/nn's optimizers, gradient clipping and LR schedulers.

Writes packages/nn/test/fixtures/optim-reference.json, which packages/nn/test/optim/*.test.ts
read (the tests themselves never need PyTorch). Regenerate with Debian's PyTorch:

    apt-get install -y python3-torch
    /usr/bin/python3 packages/nn/scripts/optim_reference.py

Everything is deterministic: fixed parameters and fixed gradients are written out below, and each
optimizer setting runs 5 steps in float64 and in float32 (the float32 run rounds the same decimal
values to float32, as Tessera's tensor() does). The schedulers' lambdas are Hugging Face
transformers' definitions (transformers/optimization.py; transformers itself is not needed),
driven by torch.optim.lr_scheduler.LambdaLR exactly as transformers does.

Option names in the JSON are Tessera's (camelCase); `torch_kwargs` maps them to torch's.
"""
import json
import math
import os

import torch

# ---- fixed parameters and per-step gradients (None: the parameter gets no grad that step) ----

PARAMS = {
    'w': [[0.5, -1.2, 0.3], [2.0, -0.7, 1.1]],
    'b': [0.1, -0.2, 0.05],
    'c': [1.5, -2.5],
}
PARAM_ORDER = ['w', 'b', 'c']

GRADS = [
    {'w': [[0.2, -0.4, 0.1], [0.05, 0.3, -0.6]], 'b': [0.01, -0.02, 0.5], 'c': None},
    {'w': [[-0.1, 0.25, 0.0], [0.4, -0.35, 0.2]], 'b': [0.3, 0.0, -0.15], 'c': [0.3, -0.1]},
    {'w': [[0.7, -0.05, 0.15], [-0.2, 0.1, 0.9]], 'b': None, 'c': None},
    {'w': [[0.0, 0.12, -0.3], [0.6, -0.8, 0.05]], 'b': [-0.4, 0.22, 0.03], 'c': [-0.2, 0.4]},
    {'w': [[-0.3, 0.5, 0.45], [0.1, 0.0, -0.25]], 'b': [0.05, -0.6, 0.2], 'c': [1.2, -0.9]},
]

# ---- optimizer settings ----

CASES = [
    # name, optimizer, default options, param groups (None: one group holding every parameter)
    ('sgd', 'SGD', {'lr': 0.1}, None),
    ('sgd_momentum', 'SGD', {'lr': 0.05, 'momentum': 0.9}, None),
    ('sgd_momentum_dampening_wd', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.1, 'weightDecay': 0.01}, None),
    ('sgd_nesterov_wd', 'SGD', {'lr': 0.02, 'momentum': 0.8, 'nesterov': True, 'weightDecay': 0.05}, None),
    ('sgd_maximize_wd', 'SGD', {'lr': 0.03, 'momentum': 0.5, 'weightDecay': 0.1, 'maximize': True}, None),
    ('sgd_groups', 'SGD', {'lr': 0.1, 'momentum': 0.9},
     [{'params': ['w'], 'options': {}}, {'params': ['b', 'c'], 'options': {'lr': 0.01, 'momentum': 0.0, 'weightDecay': 0.2}}]),
    ('adam', 'Adam', {'lr': 0.01}, None),
    ('adam_wd_amsgrad', 'Adam', {'lr': 0.02, 'weightDecay': 0.1, 'amsgrad': True}, None),
    ('adam_maximize_betas_eps', 'Adam', {'lr': 0.005, 'betas': [0.8, 0.99], 'eps': 1e-6, 'maximize': True}, None),
    ('adam_groups', 'Adam', {'lr': 0.01, 'weightDecay': 0.01},
     [{'params': ['w', 'c'], 'options': {'amsgrad': True}}, {'params': ['b'], 'options': {'lr': 0.1, 'betas': [0.5, 0.9], 'weightDecay': 0.0}}]),
    ('adamw', 'AdamW', {'lr': 0.01}, None),
    ('adamw_wd_amsgrad', 'AdamW', {'lr': 0.03, 'weightDecay': 0.1, 'amsgrad': True}, None),
    ('adamw_maximize', 'AdamW', {'lr': 0.002, 'betas': [0.85, 0.95], 'eps': 1e-7, 'weightDecay': 0.05, 'maximize': True}, None),
    ('adamw_groups', 'AdamW', {'lr': 0.01, 'weightDecay': 0.01},
     [{'params': ['w'], 'options': {'weightDecay': 0.0}}, {'params': ['b', 'c'], 'options': {'lr': 0.05, 'weightDecay': 0.3, 'amsgrad': True}}]),
]

TORCH_NAMES = {'weightDecay': 'weight_decay'}
TESSERA_NAMES = {v: k for k, v in TORCH_NAMES.items()}
# torch bookkeeping keys that Tessera's param groups do not have
TORCH_ONLY_GROUP_KEYS = {'foreach', 'capturable', 'differentiable', 'fused', 'params'}


def torch_kwargs(options):
    out = {}
    for k, v in options.items():
        out[TORCH_NAMES.get(k, k)] = tuple(v) if k == 'betas' else v
    return out


def to_json(t):
    return t.detach().tolist()


def make_params(dtype):
    return {n: torch.tensor(PARAMS[n], dtype=dtype, requires_grad=True) for n in PARAM_ORDER}


def run_case(optimizer, defaults, groups, dtype):
    params = make_params(dtype)
    cls = getattr(torch.optim, optimizer)
    if groups is None:
        opt = cls([params[n] for n in PARAM_ORDER], **torch_kwargs(defaults))
    else:
        opt = cls([{'params': [params[n] for n in g['params']], **torch_kwargs(g['options'])} for g in groups],
                  **torch_kwargs(defaults))
    history = []
    for grads in GRADS:
        for n in PARAM_ORDER:
            g = grads[n]
            params[n].grad = None if g is None else torch.tensor(g, dtype=dtype)
        opt.step()
        history.append({n: to_json(params[n]) for n in PARAM_ORDER})
    sd = opt.state_dict()
    state = {}
    for idx, s in sd['state'].items():
        # torch < 2.1 stores momentum_buffer = None when SGD has no momentum; newer torch (and Tessera)
        # store nothing then, so None entries (and parameters left with no state) are dropped.
        entry = {k: (float(v.item()) if k == 'step' else to_json(v)) for k, v in s.items() if v is not None}
        if entry:
            state[str(idx)] = entry
    param_groups = []
    for g in sd['param_groups']:
        out = {TESSERA_NAMES.get(k, k): (list(v) if isinstance(v, tuple) else v)
               for k, v in g.items() if k not in TORCH_ONLY_GROUP_KEYS}
        out['params'] = list(g['params'])
        param_groups.append(out)
    return history, {'state': state, 'paramGroups': param_groups}


def optimizer_cases():
    out = []
    for name, optimizer, defaults, groups in CASES:
        h64, sd64 = run_case(optimizer, defaults, groups, torch.float64)
        h32, _ = run_case(optimizer, defaults, groups, torch.float32)
        out.append({
            'name': name,
            'optimizer': optimizer,
            'options': defaults,
            'groups': groups,
            'float64': h64,
            'float32': h32,
            'stateDict': sd64,
        })
    return out


# ---- clip_grad_norm_ / clip_grad_value_ ----

CLIP_GRADS = {'w': [[0.9, -1.4, 0.3], [2.2, -0.6, 0.05]], 'b': [0.7, -0.25, 1.3], 'c': None}
CLIP_NORM_CASES = [
    {'maxNorm': 1.0, 'normType': 2},
    {'maxNorm': 100.0, 'normType': 2},
    {'maxNorm': 0.5, 'normType': 1},
    {'maxNorm': 0.3, 'normType': 'inf'},
    {'maxNorm': 1.5, 'normType': 3},
]


def clip_cases():
    norm_cases = []
    for case in CLIP_NORM_CASES:
        entry = dict(case)
        for dtype, key in ((torch.float64, 'float64'), (torch.float32, 'float32')):
            params = make_params(dtype)
            for n in PARAM_ORDER:
                g = CLIP_GRADS[n]
                params[n].grad = None if g is None else torch.tensor(g, dtype=dtype)
            norm_type = math.inf if case['normType'] == 'inf' else float(case['normType'])
            total = torch.nn.utils.clip_grad_norm_([params[n] for n in PARAM_ORDER], case['maxNorm'], norm_type)
            entry[key] = {
                'totalNorm': float(total.item()),
                'grads': {n: (None if params[n].grad is None else to_json(params[n].grad)) for n in PARAM_ORDER},
            }
        norm_cases.append(entry)
    value_cases = []
    for clip_value in (0.5, 1.0):
        params = make_params(torch.float64)
        for n in PARAM_ORDER:
            g = CLIP_GRADS[n]
            params[n].grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        torch.nn.utils.clip_grad_value_([params[n] for n in PARAM_ORDER], clip_value)
        value_cases.append({
            'clipValue': clip_value,
            'grads': {n: (None if params[n].grad is None else to_json(params[n].grad)) for n in PARAM_ORDER},
        })
    return {'grads': CLIP_GRADS, 'norm': norm_cases, 'value': value_cases}


# ---- schedulers: transformers' lambdas (transformers/optimization.py) on torch's LambdaLR ----

def constant_lambda(_):
    return 1


def constant_with_warmup_lambda(num_warmup_steps):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1.0, num_warmup_steps))
        return 1.0
    return lr_lambda


def linear_lambda(num_warmup_steps, num_training_steps):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return lr_lambda


def cosine_lambda(num_warmup_steps, num_training_steps, num_cycles=0.5):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))
    return lr_lambda


SCHEDULER_CASES = [
    {'name': 'constant', 'numWarmupSteps': 3, 'numTrainingSteps': 10},
    {'name': 'constant_with_warmup', 'numWarmupSteps': 3, 'numTrainingSteps': 10},
    {'name': 'constant_with_warmup', 'numWarmupSteps': 0, 'numTrainingSteps': 6},
    {'name': 'linear', 'numWarmupSteps': 3, 'numTrainingSteps': 10},
    {'name': 'linear', 'numWarmupSteps': 0, 'numTrainingSteps': 7},
    {'name': 'linear', 'numWarmupSteps': 4, 'numTrainingSteps': 4},
    {'name': 'cosine', 'numWarmupSteps': 3, 'numTrainingSteps': 10},
    {'name': 'cosine', 'numWarmupSteps': 0, 'numTrainingSteps': 7},
    {'name': 'cosine', 'numWarmupSteps': 2, 'numTrainingSteps': 9, 'numCycles': 1.5},
]
SCHEDULER_BASE_LRS = [0.1, 0.02]


def scheduler_lambda(case):
    name, w, n = case['name'], case['numWarmupSteps'], case['numTrainingSteps']
    if name == 'constant':
        return constant_lambda
    if name == 'constant_with_warmup':
        return constant_with_warmup_lambda(w)
    if name == 'linear':
        return linear_lambda(w, n)
    if name == 'cosine':
        return cosine_lambda(w, n, case.get('numCycles', 0.5))
    raise ValueError(name)


def scheduler_cases():
    out = []
    for case in SCHEDULER_CASES:
        params = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
        opt = torch.optim.SGD([{'params': [params[0]], 'lr': SCHEDULER_BASE_LRS[0]},
                               {'params': [params[1]], 'lr': SCHEDULER_BASE_LRS[1]}], lr=SCHEDULER_BASE_LRS[0])
        sched = torch.optim.lr_scheduler.LambdaLR(opt, scheduler_lambda(case))
        lrs = [list(sched.get_last_lr())]  # after construction: step 0
        for _ in range(case['numTrainingSteps'] + 2):
            opt.step()
            sched.step()
            lrs.append(list(sched.get_last_lr()))
        out.append({**case, 'baseLrs': SCHEDULER_BASE_LRS, 'lrs': lrs})
    return out


def main():
    torch.use_deterministic_algorithms(True)
    data = {
        'generator': 'packages/nn/scripts/optim_reference.py',
        'torchVersion': torch.__version__,
        'params': PARAMS,
        'paramOrder': PARAM_ORDER,
        'grads': GRADS,
        'optimizers': optimizer_cases(),
        'clip': clip_cases(),
        'schedulers': scheduler_cases(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', 'test', 'fixtures', 'optim-reference.json')
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.normpath(path)} (torch {torch.__version__})')


if __name__ == '__main__':
    main()
