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
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with Shard4j's error handling: bad input and unsupported requests print one clear message
   * (exit code 2); anything else keeps its stack trace (exit code 1).
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Shard4jCommand());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException) {
        cmd.getErr().println("shard4j " + cmd.getCommandName() + ": " + e.getMessage());
        cmd.getErr().flush();
        return 2;
      }
      throw e;
    });
    return cl;
  }
}
