package dev.shard4j.optim;

/**
 * Learning rate with linear warm-up and cosine decay, as in nanoGPT: for step {@code s} (from 0),
 * {@code maxLr * (s+1)/warmup} while {@code s < warmup}; then {@code minLr + (maxLr-minLr) * (1 + cos(pi*r))/2} with
 * {@code r = (s-warmup)/(decaySteps-warmup)}; {@code minLr} from {@code decaySteps} on. Immutable.
 */
public record WarmupCosineSchedule(float maxLr, float minLr, long warmupSteps, long decaySteps) {
  /** Checks the ranges. */
  public WarmupCosineSchedule {
    if (!(maxLr >= 0 && minLr >= 0 && minLr <= maxLr) || warmupSteps < 0 || decaySteps < warmupSteps) {
      throw new IllegalArgumentException("WarmupCosineSchedule: need 0 <= minLr <= maxLr and 0 <= warmupSteps <= "
          + "decaySteps; got maxLr " + maxLr + ", minLr " + minLr + ", warmupSteps " + warmupSteps + ", decaySteps "
          + decaySteps);
    }
  }

  /** The learning rate of step {@code step} (counted from 0). */
  public float lr(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("WarmupCosineSchedule: step must be >= 0, got " + step);
    }
    if (step < warmupSteps) {
      return (float) ((double) maxLr * (step + 1) / warmupSteps);
    }
    if (step >= decaySteps) {
      return minLr;
    }
    double ratio = (double) (step - warmupSteps) / (decaySteps - warmupSteps);
    return (float) (minLr + (maxLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * ratio)));
  }

  /** Sets {@code optimizer}'s learning rate for step {@code step}; returns it. */
  public float apply(Optimizer optimizer, long step) {
    float lr = lr(step);
    optimizer.setLearningRate(lr);
    return lr;
  }
}
