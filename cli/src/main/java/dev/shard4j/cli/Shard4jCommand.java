package dev.shard4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code shard4j} command: {@code shard4j train|plan|bench ...}. */
@Command(name = "shard4j", mixinStandardHelpOptions = true, version = "shard4j 0.1.0",
    description = "Distributed training runtime for the JVM.",
    subcommands = {TrainCommand.class, PlanCommand.class, ProfileCommand.class, FidelityCommand.class,
        BenchCommand.class})
public final class Shard4jCommand implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line as {@link #main} runs it: a rejected request (bad option values, a missing optional module,
   * something not wired yet) prints its message and those of its causes, without a stack trace, and exits 1; other
   * failures print their stack trace.
   */
  static CommandLine commandLine() {
    return new CommandLine(new Shard4jCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (!(e instanceof IllegalArgumentException || e instanceof IllegalStateException
          || e instanceof UnsupportedOperationException)) {
        throw e;
      }
      cmd.getErr().println("shard4j: " + e.getMessage());
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        cmd.getErr().println("  caused by " + c);
      }
      cmd.getErr().flush();
      return 1;
    });
  }
}
