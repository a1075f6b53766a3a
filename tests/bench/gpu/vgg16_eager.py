#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The baseline of bench_gpu_training: the same VGG16 (torchvision's features, the thesis's head:
global average pooling, 4096-4096 with dropout, one logit) trained in Python PyTorch eager,
bf16 autocast, channels-last, Adam, one batch resident on the GPU. Prints images/s.

    vgg16_eager.py [--batch 64] [--steps 100] [--channels 3] [--side 224]
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--side", type=int, default=224)
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    model = Vgg16ThesisHead(args.channels).to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.batch, args.channels, args.side, args.side, device=device)
    x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 2, (args.batch,), device=device).float()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = nn.functional.binary_cross_entropy_with_logits(model(x).float().squeeze(1), y)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(15):
        step()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    torch.cuda.synchronize()
    rate = args.batch * args.steps / (time.perf_counter() - started)
    print(f"PyTorch {torch.__version__} eager VGG16 bf16 channels-last batch {args.batch}: "
          f"{rate:.0f} images/s")


if __name__ == "__main__":
    main()
