package io.flows4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flows4j speech}: training, alignment and evaluation of the Glow-TTS speech model. */
@Command(
    name = "speech",
    mixinStandardHelpOptions = true,
    description = {
      "The Glow-TTS text-to-speech model on the speech kit's corpus (../shared/speech):"
          + " 'speech train' trains it, 'speech align' writes its phone alignments as .lab files,"
          + " 'speech eval' reports test NLL, boundary accuracy and WER. 'speak' (a top-level"
          + " command) synthesizes."
    },
    subcommands = {SpeechTrainCommand.class, SpeechAlignCommand.class, SpeechEvalCommand.class})
final class SpeechCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }
}
