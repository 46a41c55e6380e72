// Package model holds trained models: one value per trained network with
// its density (where it has one), its generator, its scores, and its
// directory on disk, so that a Go program can load and sample what ebm
// train wrote.
//
// What a loss trains decides the kind, and the loss that trained a model
// gives it its generation settings (New takes the loss; nothing here
// restates a loss's defaults):
//
//	Energy       E(x), from CD, score matching, NCE, FCE, energy discrepancy:
//	             density exp(−E)/Z, Z by quadrature in 2-D, by checked AIS
//	             beyond; generates from the density on a grid (2-D) or by
//	             adaptive MALA (beyond)
//	Flow         v(x, t), from flow matching, or the score or noise on any
//	             path (Config.Prediction) converted to v: generates by
//	             integrating dx/dt = v from N(0, I) over t in [0, 1] (any
//	             integrator, or an SDE with the same marginals and a last
//	             step: SetSolver); Encode runs the ODE back from data to
//	             noise; exact log p by the change of variables,
//	             d log p/dt = −∇·v. With latent noise (Config.Latent) the
//	             SDE's score is converted on interpolant.Marginal. A bridge
//	             (sf2m, Kind "bridge") is a Flow whose one network gives the
//	             velocity and a score head: it generates by the bridge's
//	             SDE dx = [v + (σ²/2)s]dt + σ dW, its density by v's ODE
//	Equilibrium  f(x), from equilibrium matching: a flow with velocity −f/λ,
//	             λ the loss's multiplier (far from the data f ≈ λ·v)
//	Potential    V(x), from energy matching: density exp(−V/ε_max), generates
//	             by the loss's Langevin sweep from noise
//	Classifier   f(x) of class logits, from cross-entropy alone: labels
//	             images, and its pooled features score image models
//	NoiseEnergy  E(x, σ), from multi-noise DSM (ncsn): a network f(x, t) of
//	             the level's time t divided by its σ; generates by annealed
//	             Langevin down the noise ladder, clamped to [−1, 1] for
//	             images; density exp(−E(x, σ_L))
//	Recovery     E(x, t), from diffusion recovery likelihood (drl): a network
//	             of the level's time, one energy per level of a diffusion;
//	             generates by the chain of its conditionals from N(0, I) (MALA
//	             on each), density exp(−E(x, t₀)), learnt near the data only
//
// # Images
//
// Config.Arch picks the network: an MLP on flat points, or for an image
// set (ImageData: the fixed splits in [−1, 1], with labels) a
// convolutional ResNet energy ("conv"; with classes, JEM: E(x) =
// −logsumexp_y f(x)[y] and E(x, y) = −f(x)[y]), or for the flow losses
// the conditional transformer ("transformer") or a convolutional U-Net
// ("unet"), both label-conditional with a null label, so that training
// drops labels for classifier-free guidance. Image energies keep their contrastive chains in [−1, 1]
// (clamped, restarted uniform there) with a Langevin step η and noise σ set
// apart, x ← x − η∇E(x) + σξ, which is Langevin at temperature σ²/(2η);
// they generate with the same chains from uniform noise. Loss ncsn trains a
// noise-conditional energy instead, a conv (nn.NoiseResNet) or an MLP on
// flat pixels with the level's time as input, which generates by annealed
// Langevin dynamics (loss.MultiNoiseDSM.Generate, with Tweedie's denoising
// step) and is drawn and scored as images on either network.
//
// JEM (recipe jem) trains the cross-entropy alone for a third of its
// steps, then weighs its persistent CD 0.2 beside it (Config.GenWeight; 1
// is Grathwohl et al.'s log p(x, y), whose data term cancels the
// cross-entropy's push on the other classes and leaves the classifier 7 to
// 9 points behind the plain one on the digits).
//
// A Conditional model (a JEM energy, a flow on a label-conditional
// transformer) generates by label with guidance w: the field (or energy)
// u + w·(c − u) of the unconditional u and the conditional c, so w = 0 is
// the unconditional model and w = 1 the conditional one.
//
// Image models are scored in the features of a classifier the project
// trains itself (loss ce, AsClassifier): ScoreImages gives the Fréchet
// distance between the classifier's pooled features of generated and of
// test images (Heusel et al. 2017's FID, on the domain's own features),
// against the floor of test against training images, the fraction of a
// conditional model's class-y images that the classifier labels y, and the
// classes of the generated images (mode coverage).
//
// What ebm does, a Go program can do with the same calls:
//
//   - train: Recipes names the losses, with their settings; Config.NewLoss
//     builds the one a config names (its coupling and interpolant by
//     coupling.ByName and interpolant.ByName) and Config.Check refuses a
//     config that cannot train. Data gives a dataset's training and test
//     points, built-in, an image set (the digits: 64-d, a fixed fifth
//     held out, dequantised into [−1, 1]) or from a file (a tenth held
//     out); OpenRun locks
//     the output directory and gives the run a sibling to write into, which
//     Commit renames into place; Train runs a loss (Adam, cosine learning-rate
//     decay, clipped gradients), and Fit builds the config's loss and runs it.
//   - score: Score gives the NLL (quadrature or change of variables), a
//     fitted Gaussian's NLL as the baseline, and the MMD² of generated
//     against held-out points; Evaluate picks the test points as ebm eval
//     does; WritePictures draws a model as ebm train does. Beyond 2-D,
//     Scoring's AIS (eval.AISCheck) gives an energy's log Z with a verdict,
//     Scores.AIS.Converged, without which its NLL is not to be trusted,
//     and the NLLs are also given in bits per dimension.
//
// # Bits per dimension
//
// For an image set of L pixel levels dequantised into [−1, 1] (pixel v
// becomes 2(v+u)/L − 1, u uniform on [0, 1)), a density p of the scaled
// points bounds the pixels' probability: −log P(v) ≤ E_u[−log p(x)] +
// D·log(L/2) (Jensen), D the pixels per image. So
//
//	bits/dim = (NLL + D·log(L/2)) / (D·log 2),
//
// the same correction for the model and the Gaussian baseline (for the
// digits, L = 17, D = 64: 136.96 nats). For other data the correction is 0.
//   - sample: Samplers names the samplers; Sample runs any sampler, keeping
//     parallel tempering's swap rates and AIS's log Z, and its Summary is
//     Stan's table per coordinate with the run's acceptance. EnergyTable
//     evaluates an energy and its gradient at points, as a table to save.
//   - inpaint: Inpaint samples each image's missing coordinates given its
//     observed ones, p(x_missing | x_observed) ∝ exp(−E(x)), and Denoise
//     clean images given noisy ones, p(x | y) ∝ exp(−E(x) − ‖x − y‖²/(2σ²)),
//     many images in one sampler call (sampler.Condition), several
//     completions each; Completed.Mean is the posterior mean (the
//     least-squares denoiser). Image i's completion k draws from stream
//     (FirstImage + i)·Completions + k, so splitting the images over calls
//     changes no draw. DataBounds is the box of a model's training data, to
//     keep chains of pixel models inside.
//   - list: Catalogue holds every registry's names, by kind.
//
// # Directory format
//
//	config.json       Config: dataset, loss recipe, network sizes and precision, training settings
//	model.params      the weights (nn.Save; float32 values for a float32 network)
//	model_ema.params  the moving average of the weights, preferred by Load when present
//	checkpoint.bin    the trainer's checkpoint, for resuming (package train)
//	metrics.jsonl     one line per logged step
//	samples.png       image models: generated images (a row per class when
//	                  conditional) above a row of training images
//	buffer.png        persistent CD on images: the replay buffer's first 64
//	                  chains, redrawn at each checkpoint
//
// Load needs only config.json and the weights; Save writes those two.
//
// A training run (OpenRun) writes into the sibling DIR.training and renames
// it to DIR when done, so DIR is never half written; a run killed part-way
// leaves DIR.training with its config and last checkpoint, and resuming
// continues there, after checking that every setting matches config.json.
// DIR.lock, present while a run holds DIR, keeps a second run out.
//
// # Errors
//
// Invalid settings return errors wrapping ErrInvalid; a directory without
// a readable config or weights, errors wrapping ErrNotModel; OpenRun's
// refusals wrap ErrExists, ErrNotEmpty, ErrInterrupted, ErrLocked or
// ErrMismatch.
package model
