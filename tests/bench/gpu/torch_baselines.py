#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python PyTorch baselines for bench_gpu_training, on the same node in the same session: each
model trained in eager mode and under torch.compile (mode "default" and, with
--max-autotune, "max-autotune"), bf16 autocast, channels-last, Adam, one batch resident on the
GPU. One line per model and mode: images/s.

    torch_baselines.py [--models vgg16,resnet18,resnet50,densenet121] [--batch 64]
        [--steps 100] [--channels 3] [--side 224] [--max-autotune]

VGG16 has the thesis's head (global average pooling, 4096-4096 with dropout, one logit), as
CXR Studio's; the others are torchvision's with one logit.
"""
import argparse
import time

import torch
import torch.nn as nn
import torchvision


class Vgg16ThesisHead(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.features = torchvision.models.vgg16(weights=None).features
        if channels != 3:
            self.features[0] = nn.Conv2d(channels, 64, 3, padding=1)
        self.classifier = nn.Sequential(
            nn.Linear(512, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 1))

    def forward(self, x):
        f = self.features(x)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(f, 1), 1))


def make_model(name, channels):
    if name == "vgg16":
        return Vgg16ThesisHead(channels)
    model = getattr(torchvision.models, name)(weights=None, num_classes=1)
    if channels != 3:
        raise SystemExit(f"{name}: only 3 channels here")
    return model


def rate(name, mode, args):
    torch.manual_seed(1)
    device = torch.device("cuda")
    model = make_model(name, args.channels).to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    forward = model if mode == "eager" else torch.compile(model, mode=mode)
    x = torch.rand(args.batch, args.channels, args.side, args.side, device=device)
    x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 2, (args.batch,), device=device).float()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = nn.functional.binary_cross_entropy_with_logits(
                forward(x).float().squeeze(1), y)
        loss.backward()
        optimizer.step()
        return loss

    compile_started = time.perf_counter()
    for _ in range(15):  # warm-up; compiles on the first step
        step()
    torch.cuda.synchronize()
    warm_up = time.perf_counter() - compile_started
    started = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    torch.cuda.synchronize()
    images_per_second = args.batch * args.steps / (time.perf_counter() - started)
    print(f"{name:12s} {mode:13s} {images_per_second:8.0f} images/s  (warm-up {warm_up:.0f} s)",
          flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="vgg16,resnet18,resnet50,densenet121")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--side", type=int, default=224)
    parser.add_argument("--max-autotune", action="store_true",
                        help="also mode max-autotune (minutes of autotuning per model)")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = True
    print(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name()}, batch {args.batch}, "
          f"{args.channels}x{args.side}x{args.side}, bf16, channels-last, Adam")
    modes = ["eager", "default"] + (["max-autotune"] if args.max_autotune else [])
    for name in args.models.split(","):
        for mode in modes:
            try:
                rate(name, mode, args)
            except Exception as error:  # one model's failure leaves the others' figures
                print(f"{name:12s} {mode:13s} failed: {error}", flush=True)
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
