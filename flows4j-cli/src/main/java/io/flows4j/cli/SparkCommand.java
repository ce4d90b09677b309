package io.flows4j.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code flows4j spark}: listed here for the help; the launcher runs it with the flows4j-spark
 * module and Spark on the class path, so this jar (which holds no Spark) only says how to run it.
 */
@Command(
    name = "spark",
    description = {
      "Scores rows with a model, or trains one, on Apache Spark (flows4j-spark): `flows4j spark"
          + " score ...`, `flows4j spark fit ...`; `flows4j spark --help` for the options."
    })
final class SparkCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", hidden = true)
  List<String> ignored;

  @Override
  public Integer call() {
    throw new IllegalArgumentException(
        "spark: run it through the launcher (./flows4j spark ...), which puts Spark on the class"
            + " path, or with spark-submit flows4j-spark/target/flows4j-spark.jar");
  }
}
