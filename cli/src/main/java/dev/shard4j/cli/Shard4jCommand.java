package dev.shard4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code shard4j} command: {@code shard4j train|plan|bench ...}. */
@Command(name = "shard4j", mixinStandardHelpOptions = true, version = "shard4j 0.1.0",
    description = "Distributed training runtime for the JVM.",
    subcommands = {TrainCommand.class, PlanCommand.class, BenchCommand.class})
public final class Shard4jCommand implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Shard4jCommand()).execute(args));
  }
}
